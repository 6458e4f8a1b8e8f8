"""The compliance back office: pages render, the queue's actions call the services, a freeze
is only ever a maker-checker request, documents go only to staff allowed to see them, and
support staff cannot see alerts at all."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals.models import ChangeRequest
from compliance import upgrades
from compliance.models import (
    Alert,
    AlertState,
    DocumentKind,
    DormancyNotice,
    Rule,
    SanctionsEntry,
    SanctionsLoad,
    Screening,
    TierUpgrade,
    UpgradeState,
)
from compliance.sanctions import load_list
from tests.compliance.conftest import KES, person, scan, send
from wallets.models import CustomerStatus, KycTier

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[2] / "compliance" / "sanctions" / "example_list.csv"


def url(model: str, view: str = "changelist", *args: object) -> str:
    return reverse(f"admin:compliance_{model}_{view}", args=args)


def staff_with(django_user_model, username: str, *codenames: str):
    user = django_user_model.objects.create_user(username, password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("asha", "asha@example.org", "x")


@pytest.fixture
def alert(only_rule, people) -> Alert:
    only_rule(
        kind="velocity", scope="wallet", direction="out", window_minutes=60, count_threshold=2
    )
    send(people["amani"], people["baraka"], 100 * KES)
    send(people["amani"], people["chiku"], 100 * KES)
    scan()
    return Alert.objects.get()


@pytest.fixture
def upgrade(admin_user, db) -> TierUpgrade:
    load_list(EXAMPLE.read_bytes(), file_name=EXAMPLE.name)
    customer = person("+254799000001", "Wangari Muthoni", id_number="22000001")
    scan_file = SimpleUploadedFile("id.png", b"\x89PNG fictitious", "image/png")
    return upgrades.submit_upgrade(
        customer=customer,
        tier=KycTier.TIER_2,
        submitted_by=admin_user,
        documents=[(DocumentKind.ID_SCAN, scan_file)],
    )


def test_every_compliance_page_renders_for_a_superuser(client, admin_user, alert, upgrade):
    dormancy_notice = DormancyNotice.objects.create(
        customer=upgrade.customer, last_posting_id=0, last_activity_at=upgrade.submitted_at
    )
    client.force_login(admin_user)
    pages = [
        url("alert"),
        url("alert", "change", alert.pk),
        url("rule"),
        url("rule", "add"),
        url("rule", "change", Rule.objects.earliest("id").pk),
        url("tierupgrade"),
        url("tierupgrade", "add"),
        url("tierupgrade", "change", upgrade.pk),
        url("sanctionsload"),
        url("sanctionsload", "change", SanctionsLoad.objects.get().pk),
        url("sanctionsentry"),
        url("sanctionsentry", "change", SanctionsEntry.objects.earliest("id").pk),
        url("dormancynotice"),
        url("dormancynotice", "change", dormancy_notice.pk),
        url("watermark"),
        url("alert") + "?deadline=overdue",
        url("alert") + "?deadline=on_time&state__exact=open",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
    figures = client.get(url("alert", "change", alert.pk)).content.decode()
    assert "<td>KES 200</td>" in figures  # the value moved, shown as money


def test_a_support_user_without_view_alert_is_refused_the_queue(client, django_user_model, alert):
    support = staff_with(django_user_model, "support", "view_customer", "change_customer")
    client.force_login(support)

    assert client.get(url("alert")).status_code == 403
    assert client.get(url("alert", "change", alert.pk)).status_code == 403
    assert client.get(reverse("admin:wallets_customer_changelist")).status_code == 200


def test_assign_to_me_then_close_with_a_note(client, django_user_model, alert):
    officer = staff_with(django_user_model, "officer", "view_alert", "change_alert")
    client.force_login(officer)

    client.post(url("alert"), {"action": "assign_to_me", "_selected_action": [alert.pk]})
    alert.refresh_from_db()
    assert (alert.state, alert.assignee) == (AlertState.ASSIGNED, officer)

    no_note = {"action": "close_no_action", "_selected_action": [alert.pk], "note": ""}
    client.post(url("alert"), no_note)
    alert.refresh_from_db()
    assert alert.state == AlertState.ASSIGNED  # a close needs its reason

    client.post(url("alert"), {**no_note, "note": "Chama treasurer; matches her pattern"})
    alert.refresh_from_db()
    assert alert.state == AlertState.CLOSED_NO_ACTION
    assert alert.closed_by == officer
    assert "Chama treasurer" in alert.notes


def test_freeze_this_wallet_only_asks_a_second_person(client, django_user_model, alert):
    officer = staff_with(
        django_user_model, "officer", "view_alert", "change_alert", "request_freeze"
    )
    officer.user_permissions.add(
        Permission.objects.get(content_type__app_label="approvals", codename="request_freeze")
    )
    client.force_login(officer)

    client.post(
        url("alert"),
        {"action": "request_freeze", "_selected_action": [alert.pk], "note": "STR filed, case 9"},
    )

    change = ChangeRequest.objects.get()
    assert (change.kind, change.payload) == ("freeze", {"customer": alert.customer_id})
    alert.refresh_from_db()
    assert alert.freeze_request == str(change.pk)
    alert.customer.refresh_from_db()
    assert alert.customer.status == CustomerStatus.ACTIVE  # not frozen until approved


def test_the_freeze_action_is_not_offered_without_its_permission(client, django_user_model, alert):
    officer = staff_with(django_user_model, "officer", "view_alert", "change_alert")
    client.force_login(officer)

    page = client.get(url("alert")).content.decode()

    assert "assign_to_me" in page
    assert "request_freeze" not in page


def test_a_potential_match_is_cleared_only_with_the_permission_and_a_note(
    client, django_user_model, db
):
    load_list(EXAMPLE.read_bytes(), file_name=EXAMPLE.name)
    namesake = person("+254799000002", "Halima Abdi Dummyana", id_number="22000002")
    found = upgrades.submit_upgrade(customer=namesake, tier=KycTier.TIER_2)
    assert found.screening == Screening.POTENTIAL_MATCH
    action = {"action": "clear_match", "_selected_action": [found.pk], "note": "other person"}

    clerk = staff_with(django_user_model, "clerk", "view_tierupgrade", "change_tierupgrade")
    client.force_login(clerk)
    client.post(url("tierupgrade"), action)
    found.refresh_from_db()
    assert found.screening == Screening.POTENTIAL_MATCH

    officer = staff_with(
        django_user_model,
        "officer",
        "view_tierupgrade",
        "change_tierupgrade",
        "clear_sanctions_match",
    )
    client.force_login(officer)
    client.post(url("tierupgrade"), action)
    found.refresh_from_db()
    assert (found.screening, found.cleared_by) == (Screening.CLEARED, officer)


def test_an_upgrade_added_in_the_admin_keeps_its_document_and_is_screened(client, admin_user, db):
    load_list(EXAMPLE.read_bytes(), file_name=EXAMPLE.name)
    customer = person("+254799000003", "Kamau Njenga", id_number="22000003")
    client.force_login(admin_user)

    response = client.post(
        url("tierupgrade", "add"),
        {
            "customer": customer.pk,
            "requested_tier": KycTier.TIER_2,
            "documents-TOTAL_FORMS": "1",
            "documents-INITIAL_FORMS": "0",
            "documents-MIN_NUM_FORMS": "0",
            "documents-MAX_NUM_FORMS": "1000",
            "documents-0-kind": DocumentKind.ID_SCAN,
            "documents-0-file": SimpleUploadedFile(
                "front.pdf", b"%PDF fictitious", "application/pdf"
            ),
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    added = TierUpgrade.objects.get(customer=customer)
    assert (added.state, added.screening, added.submitted_by) == (
        UpgradeState.SCREENED,
        Screening.CLEAR,
        admin_user,
    )
    [document] = added.documents.all()
    assert (document.original_name, document.uploaded_by) == ("front.pdf", admin_user)


def test_documents_are_served_only_to_staff_who_may_view_upgrades(
    client, django_user_model, upgrade
):
    document = upgrade.documents.get()
    link = document.file.url
    assert link.startswith("/admin/compliance/tierupgrade/document/")

    client.force_login(staff_with(django_user_model, "support", "view_customer"))
    assert client.get(link).status_code == 403

    client.force_login(staff_with(django_user_model, "officer", "view_tierupgrade"))
    response = client.get(link)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\x89PNG fictitious"
    assert "no-store" in response["Cache-Control"]
    assert client.get(link.replace(".png", ".pdf")).status_code == 404


def many_alerts(count: int, rule: Rule, start: int) -> None:
    """Alert rows stand in for a busy queue (they carry no money)."""
    for index in range(start, start + count):
        customer = person(f"+2547990{index:05d}", f"Queue Customer {index}")
        Alert.objects.create(
            rule=rule,
            subject_key=f"customer:{customer.pk}",
            customer=customer,
            account=customer.wallet(),
            detail={"transactions": index, "currency": "KES"},
            deadline=timezone.now() + datetime.timedelta(hours=1 if index % 2 else -1),
        )


def test_the_queue_costs_the_same_queries_for_5_alerts_as_for_40(
    client, admin_user, only_rule, django_assert_max_num_queries
):
    rule = only_rule(kind="velocity", scope="wallet", window_minutes=60, count_threshold=2)
    many_alerts(5, rule, start=100)
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("alert")).status_code == 200

    many_alerts(35, rule, start=200)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url("alert"))

    assert page.status_code == 200
    overdue = Alert.objects.overdue().count()
    assert overdue == 21
    assert page.content.decode().count("(overdue)") == overdue
