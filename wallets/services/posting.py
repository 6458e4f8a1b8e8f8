"""The general composite posting: every money movement ends here.

`post_transaction` calls the database function `wallets_post` (migration 0002) in one durable
transaction: one round trip that checks the idempotency key, computes the fee, checks limits,
debits and credits accounts with conditional updates in primary-key order, extends the hash
chain and writes the transaction with its postings. Domain failures come back as database
exceptions whose message is a code; they are mapped to `wallets.errors` here, in one place.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from wallets import errors
from wallets.models import Account, Transaction
from wallets.references import new_reference

logger = logging.getLogger(__name__)

ERRORS: dict[str, type[errors.LedgerError]] = {
    cls.code: cls
    for cls in (
        errors.IdempotencyConflict,
        errors.NoTariff,
        errors.AccountNotActive,
        errors.RecipientNotActive,
        errors.LimitsNotConfigured,
        errors.BelowMinimum,
        errors.PerTransactionLimit,
        errors.DailyLimit,
        errors.MonthlyLimit,
        errors.ReceiverBalanceLimit,
        errors.InsufficientFunds,
        errors.HoldNotOpen,
        errors.AlreadyReversed,
        errors.CurrencyMismatch,
        errors.CounterPerTransactionLimit,
        errors.CounterDailyLimit,
    )
}
# A racing twin, a row changed under a refused UPDATE, a deadlock, a serialization failure.
RETRYABLE = {"idempotency_race", "concurrent_change", "40P01", "40001"}
ATTEMPTS = 5
_together = threading.local()  # set inside `one_commit`

POST_SQL = (
    "SELECT * FROM wallets_post(%s::text, %s::text, %s::text, %s::text, %s::text, %s::text,"
    " %s::text, %s::jsonb, %s::bigint, %s::bigint[], %s::bigint[], %s::bigint[], %s::text,"
    " %s::bigint, %s::bigint, %s::bigint, %s::boolean, %s::bigint, %s::bigint, %s::date, %s::date,"
    " %s::text, %s::bigint, %s::bigint)"
)


@dataclass(frozen=True)
class Leg:
    """Move `amount` (minor units, > 0) from `debit` to `credit`."""

    debit: Account
    credit: Account
    amount: int


@dataclass(frozen=True)
class FeeRule:
    """Charge the tariff of `kind` on the principal, paid by `payer` into `income` (by default
    the currency's fee-income account, found by the posting function itself)."""

    kind: str
    payer: Account
    income: Account | None = None


@dataclass(frozen=True)
class CounterLimit:
    """A named daily limit checked and counted inside the posting (an agent's cash-in or
    cash-out), besides the KYC tier's. None means no limit."""

    key: str
    max_per_transaction: int | None = None
    max_daily: int | None = None


def request_hash(*parts: Any) -> str:
    """Fingerprint of a request, so one idempotency key cannot carry two different requests."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def find_replay(*, idempotency_key: str, fingerprint: str) -> Transaction | None:
    """The transaction already posted under `idempotency_key`, if any; IdempotencyConflict if
    it was posted for a different request. Lets a channel answer a retry before asking for a
    PIN again; `post_transaction` makes the same check inside the posting itself."""
    done = Transaction.objects.filter(idempotency_key=idempotency_key).first()
    if done is not None and done.request_hash != fingerprint:
        raise errors.IdempotencyConflict()
    return done


def post_transaction(
    *,
    kind: str,
    idempotency_key: str,
    currency: str,
    amount: int,
    legs: list[Leg],
    fingerprint: str,
    channel: str,
    initiator: str = "",
    metadata: dict[str, Any] | None = None,
    fee: FeeRule | None = None,
    limited_account: Account | None = None,
    receiver_limits: bool = True,
    hold_id: int | None = None,
    reverses: Transaction | None = None,
    counter: CounterLimit | None = None,
) -> Transaction:
    """Post `legs` (plus the fee) exactly once per `idempotency_key`; return the transaction.

    A retry with the same key and request returns the first transaction unchanged.
    """
    if not idempotency_key or len(idempotency_key) > 200:
        raise errors.LedgerError("An idempotency key of 1 to 200 characters is required.")
    if any(leg.amount <= 0 for leg in legs):
        raise errors.InvalidAmount("Every amount must be greater than zero.")
    today = timezone.localdate()
    params = [
        kind,
        idempotency_key,
        fingerprint,
        None,  # reference, drawn per attempt
        currency,
        channel,
        initiator,
        json.dumps(metadata or {}),
        amount,
        [leg.debit.pk for leg in legs],
        [leg.credit.pk for leg in legs],
        [leg.amount for leg in legs],
        fee.kind if fee else None,
        fee.payer.pk if fee else None,
        fee.income.pk if fee and fee.income else None,
        limited_account.pk if limited_account else None,
        receiver_limits,
        hold_id,
        reverses.pk if reverses else None,
        today,
        today.replace(day=1),
        counter.key if counter else None,
        counter.max_per_transaction if counter else None,
        counter.max_daily if counter else None,
    ]
    for attempt in range(ATTEMPTS):
        params[3] = new_reference()
        try:
            posted = _post_once(params)
            if settings.OUTBOX_KICK_AFTER_POSTING and not _in_one_commit():
                transaction.on_commit(kick_outbox)
            return posted
        except (DatabaseError, IntegrityError) as error:
            code = _error_code(error)
            if code == "no_fee_account" and attempt == 0:
                _open_fee_income(currency)
                continue
            if code in ERRORS:
                raise ERRORS[code]() from None
            retry = code in RETRYABLE or _is_reference_collision(error)
            if not retry or attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


@contextmanager
def one_commit() -> Iterator[None]:
    """Post several transactions under one commit, for requests that arrive together (the
    lines of a bulk disbursement): each posting runs in its own savepoint, so a refused one
    rolls back alone and keeps its error, and all are committed, durably, when the block
    ends. Every posting keeps its own idempotency key, limits and locks; only the commit
    (the fsync) is shared. Keep blocks short: the rows a posting locks stay locked until the
    block commits."""
    if _in_one_commit():
        raise errors.LedgerError("Postings under one commit do not nest.")
    with transaction.atomic(durable=True):
        _together.active = True
        try:
            yield
        finally:
            _together.active = False
        if settings.OUTBOX_KICK_AFTER_POSTING:
            transaction.on_commit(kick_outbox)


def _in_one_commit() -> bool:
    return getattr(_together, "active", False)


def _post_once(params: list[Any]) -> Transaction:
    """One call of `wallets_post`. Outside any atomic block (the production path) the single
    statement is its own transaction, committed and durable when it returns: one round trip
    instead of BEGIN, SELECT and COMMIT. Inside `one_commit`, a savepoint of its durable
    transaction. Inside another atomic block (the tests' transactions), a savepoint;
    `durable=True` refuses to nest inside a caller's transaction anywhere else."""
    if not connection.in_atomic_block and connection.get_autocommit():
        return _call(params)
    with transaction.atomic(durable=not _in_one_commit()):
        return _call(params)


def _call(params: list[Any]) -> Transaction:
    with connection.cursor() as cursor:
        cursor.execute(POST_SQL, params)
        columns = [column.name for column in cursor.description or ()]
        row = cursor.fetchone()
    values = dict(zip(columns, row or (), strict=True))
    if isinstance(values.get("metadata"), str):  # jsonb comes back as text outside the ORM
        values["metadata"] = json.loads(values["metadata"])
    posted = Transaction(**values)
    posted._state.adding = False
    posted._state.db = connection.alias
    return posted


def _open_fee_income(currency: str) -> None:
    from wallets.services.accounts import house_account

    house_account("fee_income", currency)


def _error_code(error: Exception) -> str:
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    if diag is None:
        return ""
    if diag.sqlstate == "P0001":
        return diag.message_primary or ""
    return diag.sqlstate or ""


def _is_reference_collision(error: Exception) -> bool:
    diag = getattr(error.__cause__, "diag", None)
    return bool(diag and diag.sqlstate == "23505" and "reference" in (diag.constraint_name or ""))


def kick_outbox() -> None:
    """Ask a worker to deliver the posting's outbox row now. If the broker is down the money
    is already safe and the receipt waits for the periodic sweep, so this never raises."""
    from wallets.tasks import deliver_outbox

    try:
        deliver_outbox.delay()
    except Exception:
        logger.warning("could not queue outbox delivery; the sweep will deliver it", exc_info=True)
