"""A settlement's statement: its lines add up to its totals, its totals to the ledger, and the
admin downloads it as CSV with the payout."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditRecord
from merchants import services as merchant_services
from merchants import statements
from merchants.models import Settlement
from merchants.settlement import settle_merchant
from operators import services as operator_services
from operators.adapters.base import Outcome, Status
from tests.merchants.test_settlement import operator
from tests.merchants.test_settlement_flows import KES, configure, take_payments
from tests.operators.conftest import eager_tasks
from wallets.models import Posting, Transaction

__all__ = ["eager_tasks"]

TODAY = timezone.localdate()


def read_csv(response: Any) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    assert isinstance(response.streaming_content, Iterator)  # a WSGI (synchronous) stream
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def settle(merchant, day: datetime.date, *, succeed: bool = True) -> Settlement:
    settlement = settle_merchant(merchant=merchant, day=day).settlement
    assert settlement is not None
    status = Status.SUCCEEDED if succeed else Status.FAILED
    operator_services.apply_outcome(
        settlement.operator_request, Outcome(status, operator_reference="SIMRECEIPT1")
    )
    settlement.refresh_from_db()
    return settlement


def ledger_balance_before(account_id: int, moment: datetime.datetime) -> int:
    credits = Posting.objects.filter(
        credit_account_id=account_id, transaction__created_at__lt=moment
    )
    debits = Posting.objects.filter(debit_account_id=account_id, transaction__created_at__lt=moment)
    return sum(p.amount for p in credits) - sum(p.amount for p in debits)


# Each posting its own transaction, as in production: `created_at` is when it was posted (in
# one test transaction every posting would carry the same moment).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_statement_adds_up_to_the_ledger(duka, alice, bob, fund, eager_tasks):
    configure(
        duka,
        settlement_method="operator",
        settlement_operator=operator(),
        settlement_phone="+254722300001",
        settlement_reserve=100 * KES,
    )
    take_payments(duka, alice, fund, 500 * KES, 300 * KES)
    first = settle(duka, TODAY - datetime.timedelta(days=2))
    # The next period: the first payout, payments, a refund (its fee given back).
    take_payments(duka, bob, fund, 400 * KES, 250 * KES)
    refunded = Transaction.objects.filter(kind="merchant_pay").latest("id")
    merchant_services.refund(merchant=duka, payment=refunded, reason="returned", initiator="test")
    second = settle(duka, TODAY - datetime.timedelta(days=1))
    assert second.period_start == first.period_end

    sums = statements.totals(second)
    lines = list(statements.lines(second, sums.opening))
    assert sums.opening == ledger_balance_before(duka.account_id, second.period_start)
    assert sums.closing == ledger_balance_before(duka.account_id, second.period_end)
    assert sum(line.paid_in for line in lines) == sums.paid_in == 650 * KES
    assert sum(line.paid_out for line in lines) == sums.paid_out == first.amount + 250 * KES
    assert sum(line.fee for line in lines) == sums.fees
    assert lines[-1].balance == sums.closing
    kinds = [line.kind for line in lines]
    assert kinds == ["operator_payout", "merchant_pay", "merchant_pay", "reversal"]
    assert lines[0].counterparty.startswith("settlement")
    assert lines[1].counterparty == "+254712000002"
    assert lines[3].fee < 0  # the refund gave the merchant its fee back
    # What was swept is the closing balance less the reserve (whole shillings for M-Pesa).
    assert second.amount == (sums.closing - 100 * KES) // KES * KES


def test_the_admin_downloads_the_statement_with_the_payout(duka, alice, fund):
    configure(
        duka,
        settlement_method="operator",
        settlement_operator=operator(),
        settlement_phone="+254722300001",
    )
    take_payments(duka, alice, fund, 500 * KES)
    settlement = settle(duka, TODAY - datetime.timedelta(days=1))
    user = get_user_model().objects.create_superuser("finance", "f@example.com", "pw")
    client = Client()
    client.force_login(user)

    page = client.get(reverse("admin:merchants_settlement_change", args=[settlement.pk]))
    assert page.status_code == 200
    assert "Download the statement" in page.content.decode()
    response = client.get(reverse("admin:merchants_settlement_statement", args=[settlement.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    assert rows[0] == statements.CSV_HEADER
    assert rows[1][2] == "opening balance"
    assert rows[2][1:5] == [Transaction.objects.get(kind="merchant_pay").reference,
                            "Payment to a merchant", "+254712000001", "500.00"]  # fmt: skip
    assert rows[-2][2] == "totals and closing balance"
    payout = rows[-1]
    posted = settlement.operator_request.transaction
    assert posted is not None
    assert payout[1] == posted.reference
    assert payout[2:6] == ["settlement payout: settled", "+254722300001", "", "499.00"]
    assert AuditRecord.objects.filter(action="export").exists()
    missing = client.get(reverse("admin:merchants_settlement_statement", args=[10**9]))
    assert missing.status_code == 404


def test_a_failed_settlement_shows_why_and_the_staff_without_access_get_nothing(duka, alice, fund):
    configure(
        duka,
        settlement_method="operator",
        settlement_operator=operator(),
        settlement_phone="+254722300001",
    )
    take_payments(duka, alice, fund, 500 * KES)
    settlement = settle(duka, TODAY - datetime.timedelta(days=1), succeed=False)
    user = get_user_model().objects.create_superuser("ops", "o@example.com", "pw")
    client = Client()
    client.force_login(user)
    listing = client.get(reverse("admin:merchants_settlement_changelist")).content.decode()
    assert "Failed" in listing
    url = reverse("admin:merchants_settlement_statement", args=[settlement.pk])
    rows = read_csv(client.get(url))
    assert rows[-1][2] == "settlement payout: failed: the money stayed in the merchant's account"
    clerk = get_user_model().objects.create_user("clerk", "c@example.com", "pw", is_staff=True)
    client.force_login(clerk)
    denied = client.get(url)
    assert denied.status_code == 403
