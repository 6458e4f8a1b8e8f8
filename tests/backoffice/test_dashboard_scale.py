"""The report pages with 10,000 transactions: a pinned, data-independent number of queries, and
an export that streams through a server-side cursor.

The admin changelists of transactions and customers are pinned here too (read-only: their
admins belong to the wallets app), so an N+1 that creeps into either shows up as a failure.
"""

from __future__ import annotations

import csv
import io
import tracemalloc

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from backoffice.exports import sources
from backoffice.exports.streaming import csv_lines
from tests.backoffice.reports_data import (
    KES,
    funded_wallets,
    post_sends,
    posted_days_ago,
    staff_user,
)
from wallets.models import Transaction

# Every admin request: the session and the user, then the session saved again (every request
# extends it: SESSION_SAVE_EVERY_REQUEST), which in a test's transaction is a savepoint, the
# UPDATE and its release.
PER_REQUEST = 5
# One query per figure: balances, kinds today, fee and commission postings, 14 days, breaks,
# compliance alerts, agents low on float, SMS, trust banks, the latest safeguarding check.
DASHBOARD_QUERIES = PER_REQUEST + 10
# A member of a group also loads their user and group permissions once.
DASHBOARD_QUERIES_FOR_GROUP_MEMBER = DASHBOARD_QUERIES + 2
# The count, the page of rows, and the date hierarchy's range and its distinct days.
TRANSACTION_CHANGELIST_QUERIES = PER_REQUEST + 4
# The count and the page of rows.
CUSTOMER_CHANGELIST_QUERIES = PER_REQUEST + 2


@pytest.fixture
def ten_thousand_transactions(db) -> None:
    """300 customers; 100 fundings, then 9,900 sends over the last 9 days (most today)."""
    senders = funded_wallets(100, prefix="10", funding=200_000 * KES)
    recipients = funded_wallets(200, prefix="20", funding=0)
    for days_ago in range(1, 9):
        with posted_days_ago(days_ago):
            post_sends(500, senders=senders, recipients=recipients)
    post_sends(5_900, senders=senders, recipients=recipients)
    assert Transaction.objects.count() == 10_000


@pytest.fixture
def two_thousand_transactions_today(db) -> None:
    """Enough rows for several chunks and batches, quicker to post than 10,000."""
    senders = funded_wallets(20, prefix="10", funding=200_000 * KES)
    recipients = funded_wallets(40, prefix="20", funding=0)
    post_sends(1_980, senders=senders, recipients=recipients)
    assert Transaction.objects.count() == 2_000


@pytest.fixture
def finance_client(db) -> Client:
    client = Client()
    client.force_login(staff_user("fatuma", "view_reports", "export_reports"))
    return client


def test_the_report_and_ledger_pages_keep_their_query_counts_with_10000_transactions(
    ten_thousand_transactions, admin_client, finance_client, django_assert_num_queries
):
    with django_assert_num_queries(DASHBOARD_QUERIES):
        dashboard = admin_client.get("/admin/reports/")
    assert dashboard.status_code == 200
    today = timezone.localdate()
    trend = {row["day"]: row["count"] for row in dashboard.context["trend"]}
    assert trend[today] == "6,000"  # 100 fundings and 5,900 sends
    assert sum(int(count.replace(",", "")) for count in trend.values()) == 10_000

    with django_assert_num_queries(DASHBOARD_QUERIES_FOR_GROUP_MEMBER):
        assert finance_client.get("/admin/reports/").status_code == 200

    with django_assert_num_queries(TRANSACTION_CHANGELIST_QUERIES):
        transactions = admin_client.get("/admin/wallets/transaction/")
    assert transactions.status_code == 200
    assert len(transactions.context["cl"].result_list) == 100

    with django_assert_num_queries(CUSTOMER_CHANGELIST_QUERIES):
        customers = admin_client.get("/admin/wallets/customer/")
    assert customers.status_code == 200
    assert len(customers.context["cl"].result_list) == 100


def test_the_dashboard_makes_as_many_queries_on_an_empty_ledger(
    admin_client, django_assert_num_queries
):
    with django_assert_num_queries(DASHBOARD_QUERIES):
        assert admin_client.get("/admin/reports/").status_code == 200


def open_cursors() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_cursors WHERE name LIKE '_django_curs_%%'")
        return [name for (name,) in cursor.fetchall()]


def test_an_export_of_10000_rows_streams_through_a_server_side_cursor(
    ten_thousand_transactions, finance_client
):
    today = timezone.localdate()
    response = finance_client.get(
        "/admin/reports/exports/transactions.csv",
        {"date_from": (today.replace(day=1)).isoformat(), "date_to": today.isoformat()},
    )
    stream = iter(response.streaming_content)

    first = next(stream).decode()
    assert first.startswith("reference,created_at,kind,")
    # While the client reads, PostgreSQL holds the rows behind a named cursor and hands them
    # over a chunk at a time; nothing has built the whole file.
    assert len(open_cursors()) == 1
    assert first.count("\n") < sources.CHUNK_ROWS

    tracemalloc.start()
    rest = [chunk.decode() for chunk in stream]
    tracemalloc.stop()
    rows = list(csv.reader(io.StringIO(first + "".join(rest))))
    posted_this_month = Transaction.objects.filter(
        created_at__date__gte=today.replace(day=1)
    ).count()
    assert len(rows) == 1 + posted_this_month
    assert len({row[0] for row in rows[1:]}) == posted_this_month
    assert open_cursors() == []  # closed with the last row


def test_a_client_that_goes_away_closes_the_cursor(two_thousand_transactions_today):
    """The WSGI server closes the response when the connection drops, which closes the
    response's generator (`csv_lines`): the cursor and its transaction end at once."""
    today = timezone.localdate()
    lines = csv_lines(
        sources.TRANSACTION_HEADER, sources.transaction_rows(sources.DateRange(today, today))
    )
    next(lines)
    assert len(open_cursors()) == 1

    lines.close()

    assert open_cursors() == []


def test_streaming_holds_one_chunk_not_the_whole_export(
    two_thousand_transactions_today, monkeypatch
):
    """Peak memory while streaming stays at about one chunk of rows, far below what the
    rows take when they are all held at once."""
    monkeypatch.setattr(sources, "CHUNK_ROWS", 100)
    today = timezone.localdate()
    period = sources.DateRange(today.replace(day=1), today)

    tracemalloc.start()
    for _row in sources.transaction_rows(period):
        pass
    _, streamed_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    tracemalloc.start()
    held = list(sources.transaction_rows(period))
    _, held_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert len(held) == Transaction.objects.filter(created_at__date__gte=period.first).count()
    assert streamed_peak * 10 < held_peak
