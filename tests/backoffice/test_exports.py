"""CSV exports: the rows, streamed; formula injection neutralised; bad input and people refused."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.models import CommissionStatement
from agents.services import build_commission_statement, cash_out
from audit.models import AuditRecord
from backoffice.exports import streaming
from backoffice.exports.sources import decimal_text
from tests.agents.conftest import KES, Network, build_network, customer_wallet
from tests.backoffice.reports_data import posted_days_ago, staff_user
from tests.conftest import new_key
from wallets import services

EXPORTS = "/admin/reports/exports/"


@pytest.fixture
def finance(db) -> Client:
    client = Client()
    client.force_login(staff_user("fatuma", "view_reports", "export_reports"))
    return client


@pytest.fixture
def network(db) -> Network:
    return build_network()


def read_csv(response: StreamingHttpResponse) -> list[list[str]]:
    assert isinstance(response.streaming_content, Iterator)  # a WSGI (synchronous) stream
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def period(first: datetime.date, last: datetime.date, **extra: str) -> dict[str, str]:
    return {"date_from": first.isoformat(), "date_to": last.isoformat(), **extra}


def today() -> datetime.date:
    return timezone.localdate()


def send(sender, recipient, amount: int, **extra):
    return services.send_money(
        sender=sender, recipient=recipient, amount=amount, idempotency_key=new_key(), **extra
    )


def test_the_transactions_export_streams_the_periods_rows_in_order(finance, alice, bob, fund):
    with posted_days_ago(3):
        fund(alice, 1_000 * KES)  # before the period
    funded = fund(alice, 10_000 * KES)
    sent = send(alice, bob, 150 * KES + 50, initiator="+254712000001")
    day = today()

    with CaptureQueriesContext(connection) as view_queries:
        response = finance.get(
            f"{EXPORTS}transactions.csv", period(day - datetime.timedelta(days=1), day)
        )

    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    # The view returned before reading a row: the rows are read as the response is sent.
    assert not [q for q in view_queries if "wallets_transaction" in q["sql"]]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    first = day - datetime.timedelta(days=1)
    assert response["Content-Disposition"] == (
        f'attachment; filename="transactions_{first:%Y-%m-%d}_{day:%Y-%m-%d}.csv"'
    )
    assert "no-store" in response["Cache-Control"]
    header, *rows = read_csv(response)
    assert header == [
        "reference", "created_at", "kind", "amount_minor", "amount", "fee_minor", "fee",
        "currency", "channel", "initiator", "status",
    ]  # fmt: skip
    assert [row[0] for row in rows] == [funded.reference, sent.reference]
    assert rows[1] == [
        sent.reference,
        timezone.localtime(sent.created_at).isoformat(timespec="seconds"),
        "send_money",
        "15050",
        "150.50",
        str(sent.fee),
        decimal_text(sent.fee, "KES"),
        "KES",
        "api",
        "+254712000001",  # a plain number: not a formula
        "posted",
    ]
    assert rows[1][1].endswith("+03:00")  # local time (Africa/Nairobi), with its offset


def test_a_statement_has_each_posting_with_the_running_balance(finance, alice, bob, fund):
    with posted_days_ago(5):
        fund(alice, 2_000 * KES)
        send(alice, bob, 500 * KES)
    fund(alice, 1_000 * KES)
    received = send(bob, alice, 250 * KES)
    day = today()

    response = finance.get(f"{EXPORTS}statement.csv", period(day, day, phone="0712 000 001"))

    assert response.status_code == 200
    assert (
        f'filename="statement_254712000001_{day:%Y-%m-%d}_{day:%Y-%m-%d}.csv"'
        in (response["Content-Disposition"])
    )
    header, *rows = read_csv(response)
    assert header == [
        "reference", "created_at", "kind", "counterparty", "amount_minor", "amount",
        "balance_after_minor", "balance_after", "currency",
    ]  # fmt: skip
    # The earlier postings are outside the period, but the first balance counts them.
    opening = alice.customer.wallet().balance - 1_000 * KES - 250 * KES
    assert [(row[2], row[4], row[6]) for row in rows] == [
        ("fund", str(1_000 * KES), str(opening + 1_000 * KES)),
        ("send_money", str(250 * KES), str(opening + 1_250 * KES)),
    ]
    assert rows[1][0] == received.reference
    assert rows[1][3] == bob.customer.phone
    # The same figures as the statement the customer gets by USSD.
    latest = services.statement(alice, limit=1)[0]
    assert (latest.reference, latest.balance_after) == (received.reference, int(rows[1][6]))


def test_money_leaving_a_wallet_is_a_plain_negative_number(finance, alice, bob, fund):
    fund(alice, 1_000 * KES)
    sent = send(alice, bob, 150 * KES + 50)
    day = today()

    _, *rows = read_csv(
        finance.get(f"{EXPORTS}statement.csv", period(day, day, phone="+254712000001"))
    )

    principal, fee = rows[1], rows[2]
    assert (principal[4], principal[5]) == ("-15050", "-150.50")  # not neutralised: a number
    assert (fee[3], fee[4]) == ("fee_income:KES", str(-sent.fee))


def test_the_commission_export_lists_each_agents_months_in_the_period(finance, network):
    wanjiku = customer_wallet("+254700100101", "Wanjiku Kamau", "28451937", 6_000 * KES)
    cash_out(
        wallet=wanjiku, store=network.store1, amount=3_000 * KES, idempotency_key=new_key(),
        channel="ussd",
    )  # fmt: skip
    month = today().replace(day=1)
    statement = build_commission_statement(agent=network.agent, month=month)
    CommissionStatement.objects.create(
        agent=network.agent,
        month=(month - datetime.timedelta(days=40)).replace(day=1),
        currency="KES",
        cash_in_count=1,
        cash_in_commission=1_000,
    )  # fmt: skip, outside the period

    response = finance.get(
        f"{EXPORTS}commissions.csv", period(month + datetime.timedelta(days=1), today())
    )

    header, *rows = read_csv(response)
    paid = statement.cash_out_commission
    assert statement.total_commission == paid
    assert header[:4] == ["month", "agent_number", "business_name", "currency"]
    assert rows == [
        [
            f"{month:%Y-%m}", "100201", "Wanjiku Shop", "KES",
            "0", "0", "0.00",
            "1", str(paid), decimal_text(paid, "KES"),
            str(paid), decimal_text(paid, "KES"),
            "0", "0.00",
        ]
    ]  # fmt: skip
    assert statement.cash_out_commission > 0


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil","click")', '\'=HYPERLINK("http://evil","click")'),
        ("+254712000001", "+254712000001"),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-150.50", "-150.50"),
        ("-700", "-700"),
        (-700, "-700"),
        ("Wanjiku Shop", "Wanjiku Shop"),
        (None, ""),
    ],
)
def test_cells_a_spreadsheet_would_run_as_formulas_become_text(value, cell):
    assert streaming.safe_cell(value) == cell


def test_an_injected_initiator_is_neutralised_in_the_file(finance, alice, bob, fund):
    fund(alice, 1_000 * KES)
    send(alice, bob, 100 * KES, initiator='=cmd|" /C calc"!A0')
    day = today()

    _, *rows = read_csv(finance.get(f"{EXPORTS}transactions.csv", period(day, day)))

    assert rows[-1][9] == '\'=cmd|" /C calc"!A0'


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"date_from": "2026-03-10", "date_to": "2026-03-01"},
            "The start date is after the end date.",
        ),
        ({"date_from": "2025-01-01", "date_to": "2026-01-02"}, "Export at most 366 days at a time"),
        ({"date_from": "2026-03-01"}, "This field is required."),
        ({"date_from": "yesterday", "date_to": "2026-03-01"}, "Enter a valid date."),
    ],
)
def test_a_bad_period_shows_the_form_again_with_a_readable_error(finance, query, message):
    response = finance.get(f"{EXPORTS}transactions.csv", query)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert message in response.content.decode()


def test_a_whole_leap_year_is_allowed(finance):
    response = finance.get(
        f"{EXPORTS}transactions.csv", {"date_from": "2024-01-01", "date_to": "2024-12-31"}
    )
    assert response.status_code == 200
    assert read_csv(response)[1:] == []


@pytest.mark.parametrize(
    ("phone", "message"),
    [("07x2", "is not a valid phone number"), ("+254799999999", "No customer has a KES wallet")],
)
def test_a_statement_needs_a_customers_phone(finance, alice, phone, message):
    day = today()
    response = finance.get(f"{EXPORTS}statement.csv", period(day, day, phone=phone))
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_export_page_has_a_form_for_each_export(finance):
    response = finance.get(EXPORTS)
    html = response.content.decode()
    assert response.status_code == 200
    for kind in ("transactions", "statement", "commissions"):
        assert f'action="/admin/reports/exports/{kind}.csv"' in html
        assert f'id="id_{kind}_date_from"' in html
    assert 'id="id_statement_phone"' in html


@pytest.mark.parametrize("path", ["", "transactions.csv", "statement.csv", "commissions.csv"])
def test_exports_are_refused_to_staff_without_the_export_permission(db, path):
    viewer = Client()
    viewer.force_login(staff_user("victor", "view_reports"))
    day = today()
    response = viewer.get(f"{EXPORTS}{path}", period(day, day, phone="+254712000001"))
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["", "transactions.csv"])
def test_exports_need_a_staff_login(client, django_user_model, path):
    day = today()
    assert client.get(f"{EXPORTS}{path}", period(day, day)).status_code == 302
    client.force_login(django_user_model.objects.create_user("someone", password="x-Pass-2468"))
    response = client.get(f"{EXPORTS}{path}", period(day, day))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_an_unknown_export_is_not_found(finance):
    day = today()
    assert finance.get(f"{EXPORTS}passwords.csv", period(day, day)).status_code == 404


def test_a_superuser_can_export(admin_client):
    day = today()
    assert admin_client.get(f"{EXPORTS}transactions.csv", period(day, day)).status_code == 200


def test_each_download_is_recorded_in_the_audit_log(finance, alice, fund):
    fund(alice, 1_000 * KES)
    day = today()

    finance.get(f"{EXPORTS}statement.csv", period(day, day, phone="+254712000001"))
    finance.get(f"{EXPORTS}transactions.csv", {"date_from": "2026-03-10", "date_to": "2026-03-01"})

    (entry,) = AuditRecord.objects.filter(action="export")  # the refused one is not a download
    assert entry.actor_label == "fatuma"
    assert (entry.object_type, entry.object_id) == ("wallets.customer", str(alice.customer_id))
    assert entry.details == {"export": "statement", "from": str(day), "to": str(day)}
