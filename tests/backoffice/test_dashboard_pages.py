"""The dashboard page and its link on the admin index: who sees them, and what they show."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from backoffice.dashboard import charts
from tests.agents.conftest import KES
from tests.backoffice.reports_data import staff_user
from tests.conftest import new_key
from wallets import services

DASHBOARD = "/admin/reports/"


@pytest.fixture
def finance(db) -> Client:
    client = Client()
    client.force_login(staff_user("fatuma", "view_reports", "export_reports"))
    return client


@pytest.fixture
def support(db) -> Client:
    """Staff without the reports permissions."""
    client = Client()
    client.force_login(staff_user("sam"))
    return client


def test_the_reports_are_mounted_under_the_admin():
    assert reverse("backoffice:dashboard") == DASHBOARD
    assert reverse("backoffice:exports") == "/admin/reports/exports/"


def test_finance_sees_todays_figures_with_accessible_charts(finance, alice, bob, fund):
    fund(alice, 10_000 * KES)
    services.send_money(sender=alice, recipient=bob, amount=1_200 * KES, idempotency_key=new_key())

    response = finance.get(DASHBOARD)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Transactions today" in html
    assert "Send money" in html
    assert "KES 1,200" in html
    for chart in ("value-by-kind", "value-per-day", "count-per-day"):
        svg = re.search(rf'<svg [^>]*id="{chart}"[^>]*>', html)
        assert svg, chart
        assert 'role="img"' in svg.group(0)
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in svg.group(0)
        assert f'<title id="{chart}-title">' in html
        assert f'<desc id="{chart}-desc">' in html
    assert "<script" not in html.split('id="content-main"')[1]  # server-rendered, no JS charts
    assert 'href="/admin/reports/exports/"' in html


def test_a_superuser_sees_the_dashboard(admin_client):
    assert admin_client.get(DASHBOARD).status_code == 200


def test_staff_without_the_reports_permission_are_refused(support):
    assert support.get(DASHBOARD).status_code == 403


def test_the_dashboard_needs_a_staff_login(client, django_user_model):
    anonymous = client.get(DASHBOARD)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/admin/login/")

    customer_user = django_user_model.objects.create_user("not-staff", password="x-Pass-2468")
    client.force_login(customer_user)
    refused = client.get(DASHBOARD)
    assert refused.status_code == 302
    assert refused["Location"].startswith("/admin/login/")


def test_the_admin_index_links_the_reports_for_those_allowed(finance, support, admin_client):
    for allowed in (finance, admin_client):
        html = allowed.get("/admin/").content.decode()
        assert 'href="/admin/reports/"' in html
        assert 'href="/admin/reports/exports/"' in html
    assert 'href="/admin/reports/"' not in support.get("/admin/").content.decode()


def test_the_tiles_link_to_pages_that_exist(admin_client, alice, fund):
    fund(alice, 100 * KES)
    response = admin_client.get(DASHBOARD)
    links = {tile.link for tile in response.context["tiles"] if tile.link}
    assert len(links) >= 4
    for link in links:
        assert admin_client.get(link).status_code == 200, link


def test_a_quiet_day_says_so_instead_of_an_empty_chart(admin_client):
    response = admin_client.get(DASHBOARD)
    html = response.content.decode()
    assert "No transactions yet today." in html
    assert 'id="value-by-kind"' not in html
    assert 'id="value-per-day"' in html  # fourteen zero days still draw an axis


@pytest.mark.parametrize(
    ("maximum", "step"), [(0, 1), (3, 1), (4, 1), (5, 2), (9, 5), (41, 20), (1_041_500, 500_000)]
)
def test_axis_steps_are_round_numbers_covering_the_maximum(maximum, step):
    assert charts.nice_step(maximum) == step
    assert step * 4 >= maximum


@pytest.mark.parametrize(
    ("number", "label"),
    [
        (0, "0"),
        (950, "950"),
        (1_500, "1.5k"),
        (20_000, "20k"),
        (3_000_000, "3M"),
        (-1_200, "-1.2k"),
    ],
)
def test_axis_labels_are_short(number, label):
    assert charts.compact(number) == label


def test_chart_text_is_escaped():
    svg = charts.horizontal_bars(
        chart_id="x",
        title="<b>title</b>",
        description="a & b",
        bars=[charts.Mark("<script>alert(1)</script>", 5, "KES 5")],
    )
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "&lt;b&gt;title&lt;/b&gt;" in svg
    assert "a &amp; b" in svg


def test_the_longest_bar_fills_the_span_and_others_scale():
    svg = charts.horizontal_bars(
        chart_id="x",
        title="t",
        description="d",
        bars=[
            charts.Mark("big", 100, "100"),
            charts.Mark("half", 50, "50"),
            charts.Mark("none", 0, "0"),
        ],
    )
    widths = [int(w) for w in re.findall(r'<rect class="bar" [^>]*width="(\d+)"', svg)]
    assert widths[0] == 2 * widths[1]
    assert widths[2] == 0


def test_tiles_link_only_to_pages_the_user_may_open(finance, admin_client):
    """Finance sees how many compliance alerts are open, not the alerts (no tipping off)."""
    tiles = {tile.label: tile for tile in finance.get(DASHBOARD).context["tiles"]}
    assert tiles["Open compliance alerts"].link == ""
    assert tiles["Open reconciliation breaks"].link == ""  # this test's group: reports only

    everything = {tile.label: tile for tile in admin_client.get(DASHBOARD).context["tiles"]}
    assert everything["Open compliance alerts"].link.startswith("/admin/compliance/alert/")
    assert everything["Open reconciliation breaks"].link.startswith("/admin/operators/break/")


def test_with_two_factor_on_an_unverified_session_is_sent_to_the_login(finance, settings):
    settings.STAFF_REQUIRE_2FA = True
    response = finance.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
