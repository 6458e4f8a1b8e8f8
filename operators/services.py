"""Money across the operator boundary: top-ups (collections) and withdrawals (payouts).

Every request is a row first (the row is its own outbox: a task sends it after commit, and
the poller re-sends one a lost task left unsent); the operator dedupes on our `reference`.
Outcomes arrive by callback, by status query or from the statement, in any order and any
number of times: `apply_outcome` moves a request forward once and posts its money once
(the posting's idempotency key is the request's reference).

- Top-up: nothing moves until the operator says it succeeded; then settlement -> wallet.
- Withdrawal: amount plus fee are held on the wallet first; success commits the hold into
  wallet -> settlement (+ fee income), failure releases it, and an unknown outcome keeps it
  held (its deadline is pushed back) until a status query or the statement settles it. The
  amount counts toward the customer's daily and monthly limits when it is held (the money
  leaves before the commit); a failure gives that back.
- Agent float: an agent buys float from its own M-Pesa or MoMo as a customer tops up
  (`start_float_top_up`, called by agents.services.floats): settlement -> agent float.
- Merchant settlement: a payout from a merchant's account to the business's phone or, by
  Daraja B2B, to its bank's pay-bill (`start_merchant_settlement`, called by
  merchants.settlement); held, then committed or released like a withdrawal, no fee.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from operators import notices
from operators.adapters.base import OperatorError, OperatorUnavailable, Outcome, Status
from operators.conf import adapter_of
from operators.models import (
    FINAL_STATES,
    Operator,
    OperatorRequest,
    RequestKind,
    RequestState,
)
from wallets import errors, services
from wallets.models import Account, AccountKind, Channel, CustomerStatus, TransactionKind
from wallets.models.rules import TariffKind
from wallets.money import exponent
from wallets.services.posting import Leg, post_transaction, request_hash

logger = logging.getLogger(__name__)

OPEN_STATES = (RequestState.PENDING, RequestState.UNKNOWN)
# Per-request payout bounds by (operator kind, to a pay-bill), in whole units: M-Pesa B2C
# pays KES 10 to 250,000 a transaction; we rely on no other ceiling (B2B, MoMo).
PAYOUT_BOUNDS: dict[tuple[str, bool], tuple[int, int | None]] = {
    ("daraja", False): (10, 250_000),
    ("daraja", True): (10, None),
}
# A payout to a pay-bill (Daraja B2B) carries {"number": ..., "account": ...} under this key of
# its metadata; its `phone` is empty.
PAY_BILL = "pay_bill"
# What must change with a request when it finishes, in the transaction that finishes it, by
# its `metadata["purpose"]`: the dotted path of a function (request, final state) -> None.
# Called explicitly (no signals), and found by path, so a worker that never imported the
# owner's module still runs it. The owner's function replaces the failure SMS.
FINISH_HOOKS = {"merchant_settlement": "merchants.settlement.request_finished"}


def settlement_account(operator: Operator) -> Account:
    """Our mirror of the money we hold at the operator."""
    return services.house_account(AccountKind.SETTLEMENT, operator.currency, name=operator.code)


def start_top_up(
    *, operator: Operator, wallet: Account, amount: int, idempotency_key: str
) -> OperatorRequest:
    """Ask the operator to collect `amount` from the wallet owner's phone, once per key."""
    _check(operator, wallet, amount)
    limits = services.limits_for(wallet)
    if limits and limits.max_balance is not None and wallet.balance + amount > limits.max_balance:
        raise errors.ReceiverBalanceLimit()
    return _create(operator, wallet, RequestKind.COLLECTION, amount, 0, idempotency_key, None)


def start_float_top_up(
    *,
    operator: Operator,
    account: Account,
    phone: str,
    amount: int,
    idempotency_key: str,
    metadata: dict[str, Any],
) -> OperatorRequest:
    """Ask the operator to collect `amount` from `phone` into an agent's float, once per key.
    `metadata` (the agent, the language of its SMS) goes into the posting for its receipt."""
    if amount <= 0:
        raise errors.InvalidAmount()
    if account.kind != AccountKind.AGENT_FLOAT or account.currency != operator.currency:
        raise errors.CurrencyMismatch()
    _check_operator(operator, amount)
    return _create(
        operator,
        account,
        RequestKind.COLLECTION,
        amount,
        0,
        idempotency_key,
        None,
        phone=phone,
        metadata=metadata,
    )


def start_merchant_settlement(
    *,
    operator: Operator,
    account: Account,
    amount: int,
    idempotency_key: str,
    phone: str = "",
    pay_bill: tuple[str, str] | None = None,
    metadata: dict[str, Any],
    on_created: Callable[[OperatorRequest], object] | None = None,
) -> OperatorRequest:
    """Hold `amount` on a merchant's account and ask the operator to pay it to the business's
    `phone`, or to `pay_bill` = (pay-bill number, account number) (Daraja B2B), once per key.
    `on_created` runs in the transaction that writes the request, so the caller's own row
    (the settlement) exists exactly when the request does. No fee, no tier limits: the
    money is the business's own, leaving to its own account."""
    if amount <= 0:
        raise errors.InvalidAmount()
    if account.kind != AccountKind.MERCHANT or account.currency != operator.currency:
        raise errors.CurrencyMismatch()
    if pay_bill is not None and operator.kind != "daraja":
        raise errors.LedgerError(f"{operator.name} cannot pay a pay-bill.")
    _check_operator(operator, amount)
    if done := OperatorRequest.objects.filter(idempotency_key=idempotency_key).first():
        return done
    hold = services.place_hold(
        account=account,
        amount=amount,
        reason=f"settlement to {operator.code}",
        idempotency_key=f"operator-hold:{idempotency_key}",
        deadline=timezone.now() + hold_time(),
    )
    if pay_bill is not None:
        metadata = metadata | {PAY_BILL: {"number": pay_bill[0], "account": pay_bill[1]}}
    return _create(
        operator,
        account,
        RequestKind.PAYOUT,
        amount,
        0,
        idempotency_key,
        hold,
        phone=phone,
        metadata=metadata,
        on_created=on_created,
    )


def start_withdrawal(
    *, operator: Operator, wallet: Account, amount: int, idempotency_key: str
) -> OperatorRequest:
    """Hold amount plus fee on the wallet, then ask the operator to pay the owner's phone."""
    _check(operator, wallet, amount)
    if done := OperatorRequest.objects.filter(idempotency_key=idempotency_key).first():
        return done
    fee = services.fee_for(TariffKind.SEND_MONEY, wallet.currency, amount)
    hold = services.place_hold(
        account=wallet,
        amount=amount + fee,
        reason=f"payout to {operator.code}",
        idempotency_key=f"operator-hold:{idempotency_key}",
        deadline=timezone.now() + hold_time(),
        counted=amount,  # the money leaves before the commit: count it now
    )
    return _create(operator, wallet, RequestKind.PAYOUT, amount, fee, idempotency_key, hold)


def hold_time() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.OPERATOR_PAYOUT_HOLD_HOURS)


def _check(operator: Operator, wallet: Account, amount: int) -> None:
    if amount <= 0:
        raise errors.InvalidAmount()
    if wallet.customer is None or wallet.currency != operator.currency:
        raise errors.CurrencyMismatch()
    if wallet.customer.status != CustomerStatus.ACTIVE:  # frozen or closed: nothing in or out
        raise errors.AccountNotActive()
    _check_operator(operator, amount)
    # The tier's per-transaction limit and balance cap, before anything is asked of the
    # operator (a refusal after the money moved there would strand it).
    limits = services.limits_for(wallet)
    if limits is None:
        raise errors.LimitsNotConfigured()
    if amount < limits.min_amount:
        raise errors.BelowMinimum()
    if amount > limits.max_per_transaction:
        raise errors.PerTransactionLimit()


def payout_bounds(operator: Operator, *, to_pay_bill: bool = False) -> tuple[int, int | None]:
    """The smallest and largest payout the operator takes in one request, in minor units, and
    the step amounts move in (M-Pesa moves whole shillings): (minimum, maximum or None)."""
    unit = 10 ** exponent(operator.currency)
    low, high = PAYOUT_BOUNDS.get((operator.kind, to_pay_bill), (1, None))
    return low * unit, None if high is None else high * unit


def payout_step(operator: Operator) -> int:
    """Amounts sent to this operator are multiples of this many minor units."""
    return 10 ** exponent(operator.currency) if operator.kind == "daraja" else 1


def _check_operator(operator: Operator, amount: int) -> None:
    if not operator.active:
        raise errors.LedgerError(f"{operator.name} is not available now.")
    if operator.kind == "daraja" and amount % 100:
        raise errors.InvalidAmount("M-Pesa moves whole shillings only.")


def _create(
    operator: Operator,
    wallet: Account,
    kind: str,
    amount: int,
    fee: int,
    key: str,
    hold: Any,
    *,
    phone: str = "",
    metadata: dict[str, Any] | None = None,
    on_created: Callable[[OperatorRequest], object] | None = None,
) -> OperatorRequest:
    if not phone and wallet.customer is not None:
        phone = wallet.customer.phone
    if not phone and PAY_BILL not in (metadata or {}):
        raise errors.InvalidPhoneNumber()
    with transaction.atomic(durable=True):
        request, created = OperatorRequest.objects.get_or_create(
            idempotency_key=key,
            defaults={
                "operator": operator,
                "kind": kind,
                "wallet": wallet,
                "phone": phone,
                "amount": amount,
                "fee": fee,
                "currency": wallet.currency,
                "hold": hold,
                "metadata": metadata or {},
                "next_check_at": timezone.now() + first_check_delay(),
            },
        )
        if created:
            if on_created is not None:
                on_created(request)
            transaction.on_commit(lambda: _queue_send(request.pk))
    if not created and hold is not None and request.hold_id != hold.pk:
        services.release_hold(hold=hold, reason="duplicate payout request")
    return request


def first_check_delay() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.OPERATOR_FIRST_CHECK_SECONDS)


def _queue_send(request_id: int) -> None:
    from operators.tasks import send_request

    try:
        send_request.delay(request_id)
    except Exception:  # the poller re-sends what was never sent
        logger.warning("could not queue operator request %s", request_id, exc_info=True)


def send(request: OperatorRequest) -> OperatorRequest:
    """Send the request to the operator, once: the send is claimed (`sent_at`) before the
    call, so a redelivered task or the poller racing it cannot send it twice (Daraja does not
    dedupe a resent request). Only an attempt that certainly never left us is un-claimed, for
    the poller to send again. Never raises for the operator's failures."""
    request.refresh_from_db()
    if request.state not in OPEN_STATES:
        return request
    claimed = OperatorRequest.objects.filter(pk=request.pk, sent_at__isnull=True).update(
        sent_at=timezone.now()
    )
    if not claimed:
        return request
    try:
        outcome = _call_operator(request)
    except OperatorUnavailable as error:
        if not error.sent:  # nothing left us: give the send back to the poller
            OperatorRequest.objects.filter(pk=request.pk).update(sent_at=None)
            pending = Outcome(Status.PENDING, detail=str(error)[:200])
            return _keep_open(request, pending, checked=True)
        # It may have reached them: find out (status query, callback, statement), never guess.
        outcome = Outcome(Status.UNKNOWN, reason="operator_error", detail=str(error)[:200])
    except OperatorError as error:
        # Refused before anything happened, the adapter says. For a payout we still let a
        # status query or the statement confirm it before releasing the money (a MoMo 409
        # on our reference means something did happen under it).
        status = Status.UNKNOWN if request.kind == RequestKind.PAYOUT else Status.FAILED
        outcome = Outcome(status, reason="operator_error", detail=str(error)[:200])
    except ValueError as error:  # an argument the operator cannot take (found before any call)
        outcome = Outcome(Status.FAILED, reason="rejected", detail=str(error)[:200])
    return apply_outcome(request, outcome)


def _call_operator(request: OperatorRequest) -> Outcome:
    adapter = adapter_of(request.operator)
    reference = str(request.reference)
    description = f"{settings.SERVICE_NAME} {request.get_kind_display()}"[:100]
    if request.kind == RequestKind.COLLECTION:
        return adapter.collect(
            reference=reference, phone=request.phone, amount=request.amount, description=description
        )
    if pay_bill := request.metadata.get(PAY_BILL):
        return adapter.pay_bill(
            reference=reference,
            paybill=str(pay_bill["number"]),
            account=str(pay_bill["account"]),
            amount=request.amount,
            description=description,
        )
    return adapter.pay_out(
        reference=reference, phone=request.phone, amount=request.amount, description=description
    )


def check(request: OperatorRequest) -> OperatorRequest:
    """Ask the operator where an open request stands (the poller), with backoff."""
    request.refresh_from_db()
    if request.state not in OPEN_STATES:
        return request
    if request.sent_at is None:
        return send(request)
    try:
        outcome = adapter_of(request.operator).status(
            reference=str(request.reference),
            kind=request.kind,
            operator_reference=request.operator_reference,
        )
    except OperatorError as error:
        outcome = Outcome(Status.UNKNOWN, reason="operator_error", detail=str(error)[:200])
    return apply_outcome(request, outcome, checked=True)


def apply_outcome(
    request: OperatorRequest, outcome: Outcome, *, checked: bool = False
) -> OperatorRequest:
    """Move the request forward by what the operator said; post or release its money once.

    One report at a time per request (a lock held across the posting's own transaction), so
    a success and a failure arriving together cannot both act: the first final word stands.
    """
    with _one_at_a_time(request.pk):
        return _apply(request, outcome, checked=checked)


LOCK_NAMESPACE = 7101  # pg_advisory_lock(namespace, request id): operator request outcomes


@contextmanager
def _one_at_a_time(request_id: int) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, request_id])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, request_id])


def _apply(request: OperatorRequest, outcome: Outcome, *, checked: bool) -> OperatorRequest:
    request.refresh_from_db()
    if request.state in FINAL_STATES:
        return request  # a duplicate or late report: the first final word stands
    if outcome.status == Status.SUCCEEDED and outcome.amount not in (None, request.amount):
        # The operator moved another amount: nothing is posted on a guess; reconciliation
        # (and a person) decides. The payout's money stays held.
        outcome = Outcome(
            Status.UNKNOWN,
            operator_reference=outcome.operator_reference,
            reason="amount_mismatch",
            detail=f"operator reported {outcome.amount}, we asked {request.amount}",
        )
    if outcome.status == Status.SUCCEEDED:
        return _succeed(request, outcome)
    if outcome.status == Status.FAILED:
        return _fail(request, outcome)
    return _keep_open(request, outcome, checked=checked)


def settle_as_reported(request: OperatorRequest, amount: int, by: str) -> OperatorRequest:
    """Settle an open request at the amount the operator moved (a break's approved
    resolution; the first final word still stands). A top-up credits what was collected; a
    payout charges the customer at most what they asked (plus the fee) and books any excess
    the operator paid from suspense, as our loss."""
    with _one_at_a_time(request.pk):
        request.refresh_from_db()
        if request.state in FINAL_STATES:
            return request
        outcome = Outcome(Status.SUCCEEDED, reason="settled", detail=f"at {amount} by {by}")
        return _succeed(request, outcome, amount=amount)


def _succeed(
    request: OperatorRequest, outcome: Outcome, *, amount: int | None = None
) -> OperatorRequest:
    settlement = settlement_account(request.operator)
    wallet = request.wallet
    moved = request.amount if amount is None else amount
    if request.kind == RequestKind.COLLECTION:
        posted = post_transaction(
            kind=TransactionKind.OPERATOR_TOP_UP,
            idempotency_key=f"operator:{request.reference}",
            currency=request.currency,
            amount=moved,
            legs=[Leg(settlement, wallet, moved)],
            fingerprint=request_hash("operator_top_up", str(request.reference), moved),
            channel=Channel.SYSTEM,
            initiator=f"operator:{request.operator.code}",
            metadata=_metadata(request, outcome),
            receiver_limits=False,  # the money has arrived: a cap is checked when starting
        )
    else:
        if request.hold is None:
            raise errors.HoldNotOpen()
        legs = [Leg(wallet, settlement, min(moved, request.amount))]
        if moved > request.amount:  # the operator paid more than asked: not the customer's debt
            suspense = services.house_account(AccountKind.SUSPENSE, request.currency)
            legs.append(Leg(suspense, settlement, moved - request.amount))
        if request.fee:
            fee_income = services.house_account(AccountKind.FEE_INCOME, request.currency)
            legs.append(Leg(wallet, fee_income, request.fee))
        posted = services.commit_hold(
            hold=request.hold,
            legs=legs,
            kind=TransactionKind.OPERATOR_PAYOUT,
            initiator=f"operator:{request.operator.code}",
        )
    _finish(request, RequestState.SUCCEEDED, outcome, transaction_id=posted.pk)
    request.refresh_from_db()
    return request


def _fail(request: OperatorRequest, outcome: Outcome) -> OperatorRequest:
    if request.hold is not None:
        try:
            services.release_hold(hold=request.hold, reason=f"payout failed: {outcome.reason}")
        except errors.HoldNotOpen:  # committed meanwhile by a success: that one stands
            request.refresh_from_db()
            return request
    _finish(request, RequestState.FAILED, outcome)
    request.refresh_from_db()
    return request


def _keep_open(request: OperatorRequest, outcome: Outcome, *, checked: bool) -> OperatorRequest:
    attempts = request.attempts + (1 if checked else 0)
    wait = min(
        settings.OPERATOR_FIRST_CHECK_SECONDS * 2**attempts, settings.OPERATOR_MAX_CHECK_SECONDS
    )
    fields: dict[str, Any] = {
        "attempts": attempts,
        "next_check_at": timezone.now() + datetime.timedelta(seconds=wait),
        "operator_reference": outcome.operator_reference or request.operator_reference,
    }
    if outcome.status == Status.UNKNOWN:
        fields.update(state=RequestState.UNKNOWN, reason=outcome.reason, detail=outcome.detail)
    OperatorRequest.objects.filter(pk=request.pk, state__in=OPEN_STATES).update(**fields)
    if request.hold is not None and request.hold.deadline < timezone.now() + hold_time() / 2:
        services.extend_hold(hold=request.hold, deadline=timezone.now() + hold_time())
    if attempts >= settings.OPERATOR_ESCALATE_AFTER_CHECKS:
        _escalate(request)
    request.refresh_from_db()
    return request


def _escalate(request: OperatorRequest) -> None:
    """Still open after the checks we allow: tell people, once. Checks go on at the capped
    interval, and the day's statement settles it if the operator never answers."""
    escalated = OperatorRequest.objects.filter(
        pk=request.pk, state__in=OPEN_STATES, escalated_at__isnull=True
    ).update(escalated_at=timezone.now())
    if escalated:
        notices.tell_escalation(request)


@transaction.atomic(durable=True)
def _finish(
    request: OperatorRequest, state: str, outcome: Outcome, transaction_id: int | None = None
) -> None:
    finished = OperatorRequest.objects.filter(pk=request.pk, state__in=OPEN_STATES).update(
        state=state,
        reason=outcome.reason,
        detail=outcome.detail[:200],
        operator_reference=outcome.operator_reference or request.operator_reference,
        transaction_id=transaction_id,
        finished_at=timezone.now(),
        next_check_at=None,
    )
    if not finished:
        return
    if hook := finish_hook(request):
        hook(request, state)  # its owner tells whom it must, in this same transaction
    elif state == RequestState.FAILED:
        notices.tell_failure(request)


def finish_hook(request: OperatorRequest) -> Callable[[OperatorRequest, str], None] | None:
    """The function FINISH_HOOKS names for this request's `metadata["purpose"]`, if any."""
    path = FINISH_HOOKS.get(str(request.metadata.get("purpose", "")))
    return import_string(path) if path else None


def keep_payouts_held() -> int:
    """Push back the deadline of every open payout's hold, whatever happened to its checks:
    the hold-expiry job must never release the money of a payout still unknown."""
    soon = timezone.now() + hold_time() / 2
    extended = 0
    for request in OperatorRequest.objects.filter(
        kind=RequestKind.PAYOUT, state__in=OPEN_STATES, hold__state="open", hold__deadline__lt=soon
    ).select_related("hold"):
        if request.hold is not None:
            services.extend_hold(hold=request.hold, deadline=timezone.now() + hold_time())
            extended += 1
    return extended


def due_for_check(now: datetime.datetime | None = None) -> Any:
    """Open requests whose next check is due (or never sent), oldest first."""
    now = now or timezone.now()
    return OperatorRequest.objects.filter(
        Q(state__in=OPEN_STATES) & (Q(next_check_at__lte=now) | Q(next_check_at__isnull=True))
    ).order_by("next_check_at", "id")


def _metadata(request: OperatorRequest, outcome: Outcome) -> dict[str, Any]:
    return request.metadata | {
        "operator": request.operator.code,
        "operator_request": str(request.reference),
        "operator_reference": outcome.operator_reference,
        "phone": request.phone,
    }
