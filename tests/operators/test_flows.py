"""Top-ups and withdrawals through the simulated operators, over real HTTP both ways, with
the faults operators really have. Money ends right, once, and the ledger holds."""

from __future__ import annotations

import datetime
import logging
import time

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.log import ServerFormatter

from operators import services
from operators.adapters.base import Outcome, Status
from operators.breaks import approve, propose
from operators.conf import callback_token
from operators.models import (
    BreakKind,
    BreakState,
    OperatorCallback,
    OperatorRequest,
    RequestState,
)
from operators.reconciliation import reconcile_day
from operators.tasks import check_requests
from tests.conftest import balance
from ussd.sms.models import SmsMessage
from wallets import errors, outbox
from wallets.logging import redact
from wallets.models import Customer, Hold, HoldState, TierLimit, Transaction, TransactionKind

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

KES = 100


def settlement(operator) -> int:
    return services.settlement_account(operator).current_balance()


@pytest.mark.parametrize("operator_name", ["mpesa", "momo"])
def test_a_top_up_credits_the_wallet_once_when_the_operator_confirms(
    request, operator_name, amina, settled
):
    operator = request.getfixturevalue(operator_name)
    top_up = services.start_top_up(
        operator=operator, wallet=amina, amount=500 * KES, idempotency_key="t1"
    )
    top_up = settled(top_up)
    assert top_up.state == RequestState.SUCCEEDED, (top_up.reason, top_up.detail)
    assert balance(amina) == 500 * KES
    assert settlement(operator) == -500 * KES  # money now held for us at the operator
    (posted,) = Transaction.objects.filter(kind=TransactionKind.OPERATOR_TOP_UP)
    outbox.drain()
    assert SmsMessage.objects.get(reference=posted.reference).text.startswith(
        f"{posted.reference} Confirmed. KES 500 received from your {operator.name} on "
    )
    again = services.start_top_up(
        operator=operator, wallet=amina, amount=500 * KES, idempotency_key="t1"
    )
    assert again == top_up
    assert balance(amina) == 500 * KES


def test_a_duplicated_callback_posts_once(mpesa, operator_simulator, amina, settled):
    operator_simulator.inject("duplicate_callback", operator="mpesa")
    top_up = settled(
        services.start_top_up(operator=mpesa, wallet=amina, amount=300 * KES, idempotency_key="d")
    )
    operator_simulator.wait_until_idle()
    assert top_up.state == RequestState.SUCCEEDED
    assert balance(amina) == 300 * KES
    assert OperatorCallback.objects.filter(request=top_up).count() == 2
    assert OperatorCallback.objects.filter(request=top_up, problem="duplicate").count() == 1


def test_a_lost_callback_is_settled_by_the_status_query(mpesa, operator_simulator, amina, settings):
    settings.OPERATOR_FIRST_CHECK_SECONDS = 0
    operator_simulator.inject("lose_callback", operator="mpesa")
    top_up = services.start_top_up(
        operator=mpesa, wallet=amina, amount=200 * KES, idempotency_key="l"
    )
    operator_simulator.wait_until_idle()
    top_up.refresh_from_db()
    assert top_up.state == RequestState.PENDING
    assert balance(amina) == 0
    check_requests()
    top_up.refresh_from_db()
    assert top_up.state == RequestState.SUCCEEDED
    assert balance(amina) == 200 * KES


def test_a_callback_with_another_amount_posts_nothing_and_waits_for_a_person(
    mpesa, operator_simulator, amina, settled
):
    operator_simulator.inject("wrong_amount", operator="mpesa")
    top_up = settled(
        services.start_top_up(operator=mpesa, wallet=amina, amount=400 * KES, idempotency_key="w")
    )
    assert (top_up.state, top_up.reason) == (RequestState.UNKNOWN, "amount_mismatch")
    assert balance(amina) == 0


@pytest.mark.parametrize("operator_name", ["mpesa", "momo"])
def test_a_withdrawal_holds_then_pays_out_with_the_fee(
    request, operator_name, amina, fund, settled
):
    operator = request.getfixturevalue(operator_name)
    fund(amina, 1_000 * KES)
    payout = services.start_withdrawal(
        operator=operator, wallet=amina, amount=500 * KES, idempotency_key="p1"
    )
    assert payout.fee == 7 * KES
    payout = settled(payout)
    assert payout.state == RequestState.SUCCEEDED, (payout.reason, payout.detail)
    amina.refresh_from_db()
    assert (amina.balance, amina.held) == (1_000 * KES - 507 * KES, 0)
    assert settlement(operator) == 500 * KES
    assert payout.hold is not None
    payout.hold.refresh_from_db()
    assert payout.hold.state == HoldState.COMMITTED
    outbox.drain()
    (receipt,) = SmsMessage.objects.filter(reference=payout.transaction.reference)
    assert f"KES 500 sent to your {operator.name} 0722555123 on " in receipt.text
    assert "Fee KES 7. New balance KES 493." in receipt.text


def test_a_failed_withdrawal_releases_the_hold(mpesa, operator_simulator, amina, fund, settled):
    fund(amina, 1_000 * KES)
    operator_simulator.set_balance("mpesa", None, balance=0)  # our business account is empty
    payout = settled(
        services.start_withdrawal(
            operator=mpesa, wallet=amina, amount=500 * KES, idempotency_key="p2"
        )
    )
    assert payout.state == RequestState.FAILED
    amina.refresh_from_db()
    assert (amina.balance, amina.held) == (1_000 * KES, 0)
    assert SmsMessage.objects.get(to=amina.customer.phone).text == (
        "Your withdrawal of KES 500 to M-Pesa did not go through. The money is back in your wallet."
    )


def test_a_withdrawal_that_times_out_stays_held_until_the_operator_says(
    mpesa, operator_simulator, amina, fund, settings, settled
):
    settings.OPERATOR_TIMEOUT_SECONDS = 0.5
    settings.OPERATOR_FIRST_CHECK_SECONDS = 0
    fund(amina, 1_000 * KES)
    operator_simulator.inject("timeout", operator="mpesa", delay=1.0)  # done after we gave up
    payout = services.start_withdrawal(
        operator=mpesa, wallet=amina, amount=500 * KES, idempotency_key="p3"
    )
    payout.refresh_from_db()
    assert payout.state == RequestState.UNKNOWN
    amina.refresh_from_db()
    assert amina.held == 507 * KES  # unknown never releases
    time.sleep(1.2)  # the operator finishes the payout it never answered
    operator_simulator.wait_until_idle(timeout=10)
    check_requests()  # the status query; Daraja answers it by a callback
    payout = settled(payout, until_final=True)
    assert payout.state == RequestState.SUCCEEDED, (payout.reason, payout.detail)
    amina.refresh_from_db()
    assert (amina.balance, amina.held) == (1_000 * KES - 507 * KES, 0)


def test_withdrawals_count_toward_the_daily_limit_and_a_failure_gives_it_back(
    mpesa, operator_simulator, amina, fund, settled
):
    fund(amina, 5_000 * KES)
    TierLimit.objects.filter(tier=amina.customer.kyc_tier, currency="KES").update(
        max_per_transaction=600 * KES, max_daily=1_000 * KES
    )
    operator_simulator.inject("lose_callback", operator="mpesa")
    first = services.start_withdrawal(
        operator=mpesa, wallet=amina, amount=600 * KES, idempotency_key="a"
    )
    with pytest.raises(errors.DailyLimit):  # the first is still open: its amount counts
        services.start_withdrawal(
            operator=mpesa, wallet=amina, amount=500 * KES, idempotency_key="b"
        )
    amina.refresh_from_db()
    assert (amina.day_total, amina.held) == (600 * KES, 600 * KES + first.fee)
    second = services.start_withdrawal(
        operator=mpesa, wallet=amina, amount=400 * KES, idempotency_key="c"
    )
    failed = services.apply_outcome(second, Outcome(Status.FAILED, reason="refused"))
    assert failed.state == RequestState.FAILED
    amina.refresh_from_db()
    assert amina.day_total == 600 * KES  # the failed payout's 400 was given back


def test_a_spoofed_callback_with_a_wrong_token_is_403_and_records_nothing(mpesa, client):
    response = client.post(
        "/operators/mpesa/wrong-token/collection/?ref=x", "{}", content_type="application/json"
    )
    assert response.status_code == 403
    assert not OperatorCallback.objects.exists()


def test_one_operators_callback_token_opens_no_other_operators_callbacks(mpesa, momo, client):
    assert callback_token("mpesa") != callback_token("momo")
    response = client.post(
        f"/operators/momo/{callback_token('mpesa')}/collection/?ref=x",
        "{}",
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not OperatorCallback.objects.exists()


def test_an_operator_callback_from_outside_the_allow_list_is_403(mpesa, client, settings):
    settings.OPERATOR_ALLOWED_IPS = ["196.201.214.0/24"]
    url = f"/operators/mpesa/{callback_token('mpesa')}/collection/?ref=x"
    spoofed = client.post(
        url, "{}", content_type="application/json", HTTP_X_FORWARDED_FOR="196.201.214.200"
    )
    assert spoofed.status_code == 403  # no trusted proxy: the header is the caller's own claim
    assert not OperatorCallback.objects.exists()


def test_the_days_statement_reconciles_with_no_breaks(mpesa, operator_simulator, amina, settled):
    for key in ("r1", "r2"):
        settled(
            services.start_top_up(
                operator=mpesa, wallet=amina, amount=100 * KES, idempotency_key=key
            )
        )
    operator_simulator.wait_until_idle()
    day = timezone.localdate()
    run = reconcile_day(mpesa, day)
    assert (run.lines, run.matched, run.breaks) == (2, 2, 0)


def test_missing_and_phantom_lines_become_breaks_and_need_two_people(
    mpesa, operator_simulator, amina, settled, django_user_model
):
    operator_simulator.inject("missing_from_statement", operator="mpesa")
    settled(
        services.start_top_up(operator=mpesa, wallet=amina, amount=100 * KES, idempotency_key="m")
    )
    operator_simulator.inject(
        "phantom_in_statement", operator="mpesa", amount=2_500, phone="254722555999"
    )
    operator_simulator.wait_until_idle()
    run = reconcile_day(mpesa, timezone.localdate())
    kinds = sorted(found.kind for found in run.found.all())
    assert kinds == [BreakKind.MISSING_ON_OURS, BreakKind.MISSING_ON_THEIRS]
    assert reconcile_day(mpesa, timezone.localdate()).found.count() == 2  # a rerun adds none
    maker = django_user_model.objects.create_superuser("maker", "maker@example.com", "pw")
    checker = django_user_model.objects.create_superuser("checker", "checker@example.com", "pw")
    found = run.found.get(kind=BreakKind.MISSING_ON_OURS)
    proposed = propose(
        found=found, staff=maker, resolution="nothing", note="operator error: reversed by them"
    )
    with pytest.raises(PermissionError):
        approve(found=proposed, staff=maker)
    assert approve(found=proposed, staff=checker).state == BreakState.RESOLVED


def test_a_request_is_sent_once_even_if_its_task_runs_twice(
    mpesa, operator_simulator, amina, settled
):
    top_up = settled(
        services.start_top_up(operator=mpesa, wallet=amina, amount=100 * KES, idempotency_key="x")
    )
    OperatorRequest.objects.filter(pk=top_up.pk).update(state=RequestState.PENDING)
    services.send(top_up)  # a redelivered task: already sent, so nothing goes out again
    operator_simulator.wait_until_idle()
    stk_pushes = [
        t for t in operator_simulator.state()["transactions"] if t.get("kind") == "collection"
    ]
    assert len(stk_pushes) == 1


def test_an_open_payouts_hold_is_kept_whatever_its_checks_did(
    mpesa, operator_simulator, amina, fund
):
    fund(amina, 1_000 * KES)
    operator_simulator.inject("lose_callback", operator="mpesa")
    payout = services.start_withdrawal(
        operator=mpesa, wallet=amina, amount=500 * KES, idempotency_key="held"
    )
    assert payout.hold is not None
    Hold.objects.filter(pk=payout.hold.pk).update(deadline=timezone.now())
    assert services.keep_payouts_held() == 1
    payout.hold.refresh_from_db()
    assert payout.hold.deadline > timezone.now() + datetime.timedelta(hours=24)


def test_a_top_up_over_the_balance_cap_is_refused_before_asking_the_operator(mpesa, amina, fund):
    fund(amina, 400_000 * KES)  # tier 1 holds at most KES 500,000
    amina.refresh_from_db()
    with pytest.raises(errors.ReceiverBalanceLimit):
        services.start_top_up(
            operator=mpesa, wallet=amina, amount=100_001 * KES, idempotency_key="cap"
        )
    assert not OperatorRequest.objects.exists()


def test_the_development_servers_access_log_hides_callback_tokens():
    handlers = logging.getLogger("django.server").handlers
    handler = next(h for h in handlers if isinstance(h.formatter, ServerFormatter))
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("POST /operators/mpesa/s3cret/payout/?ref=x HTTP/1.1", "200", "43"),
        None,
    )
    assert handler.filter(record)
    logged = handler.format(record)
    assert "/operators/mpesa/********/payout/" in logged
    assert "s3cret" not in logged


def test_callback_urls_never_show_their_token_in_logs():
    assert redact("Not Found: /operators/mpesa/s3cret/collection/") == (
        "Not Found: /operators/mpesa/********/collection/"
    )
    assert redact("Forbidden: /ussd/africastalking/s3cret/") == (
        "Forbidden: /ussd/africastalking/********/"
    )


@pytest.mark.parametrize("status", ["frozen", "closed"])
def test_a_frozen_or_closed_wallet_can_neither_top_up_nor_withdraw(mpesa, amina, fund, status):
    fund(amina, 1_000 * KES)
    Customer.objects.filter(pk=amina.customer_id).update(status=status)
    amina.refresh_from_db()
    with pytest.raises(errors.AccountNotActive):
        services.start_top_up(operator=mpesa, wallet=amina, amount=100 * KES, idempotency_key="t")
    with pytest.raises(errors.AccountNotActive):
        services.start_withdrawal(
            operator=mpesa, wallet=amina, amount=100 * KES, idempotency_key="w"
        )
    assert not OperatorRequest.objects.exists()


def test_a_request_still_open_after_the_checks_allowed_is_escalated_once(
    mpesa, operator_simulator, amina, settings, caplog
):
    settings.OPERATOR_ESCALATE_AFTER_CHECKS = 2
    settings.ADMINS = [("Operations", "ops@example.com")]
    operator_simulator.inject("lose_callback", operator="mpesa")
    top_up = services.start_top_up(
        operator=mpesa, wallet=amina, amount=100 * KES, idempotency_key="esc"
    )
    silent = Outcome(Status.UNKNOWN, reason="no_answer")
    services.apply_outcome(top_up, silent, checked=True)
    assert OperatorRequest.objects.get(pk=top_up.pk).escalated_at is None
    for _ in range(3):
        services.apply_outcome(top_up, silent, checked=True)
    top_up.refresh_from_db()
    assert top_up.escalated_at is not None
    assert top_up.state == RequestState.UNKNOWN  # still checked, never guessed
    assert len(mail.outbox) == 1
    assert str(top_up.reference) in mail.outbox[0].subject
