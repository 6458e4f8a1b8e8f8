"""Agent-initiated cash-out with the customer's one-time withdrawal code."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from agents import errors, services
from agents.models import CodeState, WithdrawalCode
from tests.agents.conftest import KES, balance_of, on, sms_texts
from tests.conftest import new_key
from wallets import errors as ledger_errors
from wallets.models import Transaction, TransactionKind
from wallets.services import fund_from_issuance

pytestmark = pytest.mark.django_db


def with_code(assistant, code, amount=1_000 * KES, key=None, phone="0700100101"):
    return services.cash_out_with_code(
        assistant=assistant,
        phone=phone,
        amount=amount,
        code=code,
        idempotency_key=key or new_key("code"),
        channel="ussd",
    )


def test_a_code_pays_out_once_at_the_assistants_store_as_a_cash_out(network, wanjiku, deliver):
    code, row = services.create_withdrawal_code(customer=wanjiku.customer, amount=1_000 * KES)
    assert len(code) == 6
    assert code.isdigit()
    assert code not in row.code_hash
    assert row.expires_at - row.created_at == datetime.timedelta(minutes=10)

    posted = with_code(network.assistant, code)

    assert (posted.kind, posted.fee, posted.metadata["store_number"]) == (
        TransactionKind.CASH_OUT,
        29 * KES,
        "2",
    )
    assert posted.metadata["authorised_by"] == "withdrawal_code"
    assert balance_of(wanjiku) == 4_971 * KES
    assert balance_of(network.agent.float_account) == 11_000 * KES
    assert balance_of(network.agent.commission_account) == 8 * KES
    assert balance_of(network.aggregator.commission_account) == 2 * KES
    row.refresh_from_db()
    assert (row.state, row.transaction_id) == (CodeState.USED, posted.pk)

    deliver()
    assert sms_texts(posted)["+254700100101"] == (
        f"{posted.reference} Confirmed. KES 1,000 withdrawn from WANJIKU SHOP store 2 "
        f"{on(posted)}. Fee KES 29. New balance KES 4,971."
    )
    with pytest.raises(errors.CodeUsed):
        with_code(network.owner, code)


def test_a_retry_of_the_same_request_returns_the_first_payout(network, wanjiku):
    code, _ = services.create_withdrawal_code(customer=wanjiku.customer, amount=1_000 * KES)
    first = with_code(network.assistant, code, key="c-1")
    assert with_code(network.assistant, code, key="c-1").pk == first.pk
    assert balance_of(wanjiku) == 4_971 * KES


def test_three_wrong_codes_void_it(network, wanjiku):
    code, row = services.create_withdrawal_code(customer=wanjiku.customer, amount=1_000 * KES)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    with pytest.raises(errors.WrongCode) as first:
        with_code(network.assistant, wrong)
    assert (first.value.tries_left, first.value.text) == (2, "Wrong withdrawal code. 2 tries left.")
    with pytest.raises(errors.WrongCode) as second:
        with_code(network.assistant, wrong)
    assert second.value.text == "Wrong withdrawal code. 1 try left."
    with pytest.raises(errors.WrongCode) as third:
        with_code(network.assistant, wrong)
    assert third.value.tries_left == 0
    with pytest.raises(errors.CodeExpired):  # the right code is no use now
        with_code(network.assistant, code)

    row.refresh_from_db()
    assert (row.state, row.failed_attempts) == (CodeState.VOID, 3)
    assert balance_of(wanjiku) == 6_000 * KES


def test_an_expired_code_is_refused(network, wanjiku):
    code, row = services.create_withdrawal_code(customer=wanjiku.customer, amount=1_000 * KES)
    WithdrawalCode.objects.filter(pk=row.pk).update(expires_at=timezone.now())
    with pytest.raises(errors.CodeExpired):
        with_code(network.assistant, code)
    assert not Transaction.objects.filter(kind=TransactionKind.CASH_OUT).exists()


def test_a_new_code_voids_the_open_one(network, wanjiku):
    old, _ = services.create_withdrawal_code(customer=wanjiku.customer, amount=1_000 * KES)
    new, _ = services.create_withdrawal_code(customer=wanjiku.customer, amount=1_000 * KES)
    if old != new:
        with pytest.raises(errors.WrongCode):
            with_code(network.assistant, old)
    assert with_code(network.assistant, new).amount == 1_000 * KES
    assert list(WithdrawalCode.objects.values_list("state", flat=True)) == [
        CodeState.USED,
        CodeState.VOID,
    ]


def test_a_customer_without_a_code_is_told_to_make_one(network, wanjiku):
    with pytest.raises(errors.NoWithdrawalCode):
        with_code(network.assistant, "123456")


def test_a_refused_payout_leaves_the_code_usable(network, wanjiku):
    code, row = services.create_withdrawal_code(customer=wanjiku.customer, amount=5_990 * KES)
    with pytest.raises(ledger_errors.InsufficientFunds):
        with_code(network.assistant, code, amount=5_990 * KES)
    row.refresh_from_db()
    assert (row.state, row.claimed_by) == (CodeState.OPEN, "")
    fund_from_issuance(wallet=wanjiku, amount=1_000 * KES, idempotency_key="top-up")
    assert with_code(network.assistant, code, amount=5_990 * KES).amount == 5_990 * KES


def test_a_code_pays_only_the_amount_the_customer_chose(network, wanjiku):
    code, row = services.create_withdrawal_code(customer=wanjiku.customer, amount=500 * KES)
    with pytest.raises(errors.CodeAmountMismatch):
        with_code(network.assistant, code, amount=5_000 * KES)
    row.refresh_from_db()
    assert (row.state, row.failed_attempts) == (CodeState.OPEN, 0)
    assert balance_of(wanjiku) == 6_000 * KES
    assert with_code(network.assistant, code, amount=500 * KES).amount == 500 * KES


def test_a_suspended_assistant_cannot_use_a_code_and_does_not_burn_it(network, wanjiku):
    code, row = services.create_withdrawal_code(customer=wanjiku.customer, amount=1_000 * KES)
    type(network.assistant).objects.filter(pk=network.assistant.pk).update(status="suspended")
    with pytest.raises(errors.AssistantNotActive):
        with_code(network.assistant, code)
    row.refresh_from_db()
    assert (row.state, row.failed_attempts) == (CodeState.OPEN, 0)


def test_a_frozen_customer_cannot_make_a_code(network, wanjiku):
    customer = wanjiku.customer
    customer.status = "frozen"
    with pytest.raises(ledger_errors.AccountNotActive):
        services.create_withdrawal_code(customer=customer, amount=1_000 * KES)
