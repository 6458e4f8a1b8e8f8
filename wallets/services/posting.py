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
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from django.conf import settings
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    IntegrityError,
    connection,
    connections,
    transaction,
)
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
RETRYABLE = {"idempotency_race", "concurrent_change", "40P01", "40001", "reference_collision"}
ATTEMPTS = 5
_together = threading.local()  # set inside `one_commit`

# The transaction's columns in the model's field order, so a row becomes a model instance
# without a name lookup per column.
_FIELDS = [field.attname for field in Transaction._meta.concrete_fields]
_METADATA = _FIELDS.index("metadata")
_ARGUMENTS = (
    "%s::text, %s::text, %s::text, %s::text, %s::text, %s::text, %s::text, %s::jsonb, %s::bigint,"
    " %s::bigint[], %s::bigint[], %s::bigint[], %s::text, %s::bigint, %s::bigint, %s::bigint,"
    " %s::boolean, %s::bigint, %s::bigint, %s::date, %s::date, %s::text, %s::bigint, %s::bigint"
)
_COLUMNS = ", ".join(str(field.column) for field in Transaction._meta.concrete_fields)
_POSTED = ", ".join(f"(r.posted).{field.column}" for field in Transaction._meta.concrete_fields)
POST_SQL = f"SELECT {_COLUMNS} FROM wallets_post({_ARGUMENTS})"  # noqa: S608 - our own columns
# The same call in a subtransaction of its own, for postings that share a commit: a refusal
# comes back as the row's `error` and leaves the caller's transaction usable.
GUARDED_POST_SQL = f"SELECT r.error, {_POSTED} FROM wallets_post_guarded({_ARGUMENTS}) r"  # noqa: S608


class _GuardedPostingError(DatabaseError):
    """A posting under `one_commit` that `wallets_post_guarded` refused, with its code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


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


@dataclass(frozen=True)
class PostingRequest:
    """What `post_transaction` takes, as a value: requests built first and posted together
    (`post_together`)."""

    kind: str
    idempotency_key: str
    currency: str
    amount: int
    legs: list[Leg]
    fingerprint: str
    channel: str
    initiator: str = ""
    metadata: dict[str, Any] | None = None
    fee: FeeRule | None = None
    limited_account: Account | None = None
    receiver_limits: bool = True
    hold_id: int | None = None
    reverses: Transaction | None = None
    counter: CounterLimit | None = None


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
    return post_request(
        PostingRequest(
            kind=kind,
            idempotency_key=idempotency_key,
            currency=currency,
            amount=amount,
            legs=legs,
            fingerprint=fingerprint,
            channel=channel,
            initiator=initiator,
            metadata=metadata,
            fee=fee,
            limited_account=limited_account,
            receiver_limits=receiver_limits,
            hold_id=hold_id,
            reverses=reverses,
            counter=counter,
        )
    )


def post_request(request: PostingRequest) -> Transaction:
    """`post_transaction` for a request built beforehand."""
    posted = _post_with_retries(_params(request), request.currency)
    if settings.OUTBOX_KICK_AFTER_POSTING and not _in_one_commit():
        transaction.on_commit(kick_outbox)
    return posted


def post_together(requests: list[PostingRequest]) -> list[Transaction | errors.LedgerError]:
    """Post `requests` inside `one_commit`, sent to the database in one pipeline: the next
    posting is on its way while the database runs this one, and there is one round trip for
    all. Each is `wallets_post_guarded`, its own subtransaction, in the order given; the
    result is its transaction or its refusal. A posting that must be retried (a drawn
    reference already taken, a concurrent change) is retried alone afterwards."""
    if not _in_one_commit():
        raise errors.LedgerError("Postings are sent together only inside one_commit.")
    results: list[Transaction | errors.LedgerError] = []
    prepared: list[list[Any] | errors.LedgerError] = []
    for request in requests:
        try:
            prepared.append(_params(request))
        except errors.LedgerError as error:
            prepared.append(error)
    rows = iter(_call_pipelined(GUARDED_POST_SQL, [p for p in prepared if isinstance(p, list)]))
    for request, params in zip(requests, prepared, strict=True):
        if isinstance(params, errors.LedgerError):
            results.append(params)
            continue
        row = next(rows)
        try:
            if row[0] is None:
                results.append(_transaction(row[1:]))
                continue
            code = _error_code(_GuardedPostingError(row[0]))
            if code in ERRORS:
                raise ERRORS[code]()
            if code not in RETRYABLE and code != "no_fee_account":
                raise _GuardedPostingError(row[0])
            results.append(_post_with_retries(params, request.currency))
        except errors.LedgerError as error:
            results.append(error)
    return results


def _params(request: PostingRequest) -> list[Any]:
    """The arguments of `wallets_post`, the reference left to draw per attempt."""
    if not request.idempotency_key or len(request.idempotency_key) > 200:
        raise errors.LedgerError("An idempotency key of 1 to 200 characters is required.")
    if any(leg.amount <= 0 for leg in request.legs):
        raise errors.InvalidAmount("Every amount must be greater than zero.")
    today = timezone.localdate()
    fee, counter, legs = request.fee, request.counter, request.legs
    return [
        request.kind,
        request.idempotency_key,
        request.fingerprint,
        None,  # reference, drawn per attempt
        request.currency,
        request.channel,
        request.initiator,
        json.dumps(request.metadata or {}),
        request.amount,
        _bigint_array(leg.debit.pk for leg in legs),
        _bigint_array(leg.credit.pk for leg in legs),
        _bigint_array(leg.amount for leg in legs),
        fee.kind if fee else None,
        fee.payer.pk if fee else None,
        fee.income.pk if fee and fee.income else None,
        request.limited_account.pk if request.limited_account else None,
        request.receiver_limits,
        request.hold_id,
        request.reverses.pk if request.reverses else None,
        today,
        today.replace(day=1),
        counter.key if counter else None,
        counter.max_per_transaction if counter else None,
        counter.max_daily if counter else None,
    ]


def _bigint_array(values: Iterable[int]) -> str:
    """A bigint[] parameter as its text literal: the driver sends text as it is, where a list
    is adapted element by element in Python, the larger part of a posting's client time."""
    return "{" + ",".join(str(value) for value in values) + "}"


def _post_with_retries(params: list[Any], currency: str) -> Transaction:
    for attempt in range(ATTEMPTS):
        params[3] = new_reference()
        try:
            return _post_once(params)
        except (DatabaseError, IntegrityError) as error:
            code = _error_code(error)
            if code == "no_fee_account" and attempt == 0:
                _open_fee_income(currency)
                continue
            if code in ERRORS:
                raise ERRORS[code]() from None
            if code not in RETRYABLE or attempt == ATTEMPTS - 1:
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
    instead of BEGIN, SELECT and COMMIT. Inside `one_commit`, the guarded call: its own
    subtransaction, in the same round trip. Inside another atomic block (the tests'
    transactions), a savepoint; `durable=True` refuses to nest inside a caller's transaction
    anywhere else."""
    if _in_one_commit():
        row = _call(GUARDED_POST_SQL, params)
        if row[0] is not None:
            raise _GuardedPostingError(row[0])
        return _transaction(row[1:])
    if not connection.in_atomic_block and connection.get_autocommit():
        return _transaction(_call(POST_SQL, params))
    with transaction.atomic(durable=True):
        return _transaction(_call(POST_SQL, params))


def _call(sql: str, params: list[Any]) -> list[Any]:
    """Run `sql` as a prepared statement with server-side parameters: parsed and planned once
    per connection (connections persist, CONN_MAX_AGE), where Django's cursor would send every
    call as new SQL text with the 24 values quoted into it. Errors are Django's, as from any
    cursor, and the call shows in Django's query log when that is on."""
    db = connections[DEFAULT_DB_ALIAS]
    db.ensure_connection()
    started = time.monotonic()
    with db.wrap_database_errors:
        cursor = _raw_cursor(db)
        cursor.execute(sql, params, prepare=True)
        row = list(cursor.fetchone() or ())
    _log(db, f"{sql} -- {params[1]}", started)
    return row


def _raw_cursor(db: Any) -> psycopg.Cursor[Any]:
    """One psycopg cursor per connection, kept for its life: a cursor's adapters are looked up
    at its first call and cached, so a new cursor per posting would look them up every time."""
    cursor: psycopg.Cursor[Any] | None = getattr(db, "_posting_cursor", None)
    if cursor is None or cursor.closed or cursor.connection is not db.connection:
        cursor = psycopg.Cursor(db.connection)
        db._posting_cursor = cursor
    return cursor


def _call_pipelined(sql: str, many: list[list[Any]]) -> list[list[Any]]:
    """`_call` for several parameter lists, in one pipeline (one round trip)."""
    if not many:
        return []
    db = connections[DEFAULT_DB_ALIAS]
    db.ensure_connection()
    started = time.monotonic()
    for params in many:
        params[3] = new_reference()
    rows = []
    with db.wrap_database_errors:
        cursor = _raw_cursor(db)
        cursor.executemany(sql, many, returning=True)  # pipelined, parsed once
        while True:
            rows.append(list(cursor.fetchone() or ()))
            if not cursor.nextset():
                break
    _log(db, f"{sql} -- {len(many)} pipelined", started)
    return rows


def _log(db: Any, sql: str, started: float) -> None:
    """Show a call made on the raw connection in Django's query log, when that is on."""
    if db.queries_logged:
        db.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})


def _transaction(row: list[Any]) -> Transaction:
    if isinstance(row[_METADATA], str):  # Django loads jsonb as text, for JSONField
        row[_METADATA] = json.loads(row[_METADATA])
    return Transaction.from_db(DEFAULT_DB_ALIAS, _FIELDS, row)


def _open_fee_income(currency: str) -> None:
    from wallets.services.accounts import house_account

    house_account("fee_income", currency)


def _error_code(error: Exception) -> str:
    """The refusal's code (raised by the posting function), "reference_collision" when the
    drawn reference was taken, or the SQLSTATE."""
    if isinstance(error, _GuardedPostingError):
        if ":" not in error.code:  # a refusal's own code
            return error.code
        state, _, constraint = error.code.partition(":")
        return _code_of(state, constraint)
    diag = getattr(error.__cause__, "diag", None)
    if diag is None:
        return ""
    if diag.sqlstate == "P0001":
        return diag.message_primary or ""
    return _code_of(diag.sqlstate or "", diag.constraint_name or "")


def _code_of(sqlstate: str, constraint: str) -> str:
    if sqlstate == "23505" and "reference" in constraint:
        return "reference_collision"
    return sqlstate


def kick_outbox() -> None:
    """Ask a worker to deliver the posting's outbox row now. If the broker is down the money
    is already safe and the receipt waits for the periodic sweep, so this never raises."""
    from wallets.tasks import deliver_outbox

    try:
        deliver_outbox.delay()
    except Exception:
        logger.warning("could not queue outbox delivery; the sweep will deliver it", exc_info=True)
