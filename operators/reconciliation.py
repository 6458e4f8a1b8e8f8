"""Reconcile an operator's daily statement with our requests.

Each statement line is matched to our request by reference (ours, which the operator
echoes). The safe cases settle themselves through `services.apply_outcome`, as a late
callback would: a success we never heard of is posted, a failure we still hold is released.
Everything else becomes a `Break` for people to resolve, maker-checker (operators.breaks):

- on their statement, not ours (no request with that reference, or one that failed here);
- ours succeeded, not on their statement;
- amounts differ.

Running a day again compares again and adds only breaks not already recorded.

A day can hold a million lines, so the comparison is set-based: the lines are streamed into
a temporary table with COPY and PostgreSQL joins them with our requests, counts the matches
and returns only the rows that need Python (breaks, and open requests to settle one by one
through the services). Python holds neither our requests nor a copy of the statement: its
lines stream through (a generator will do).
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from operators import services
from operators.adapters.base import Outcome, StatementLine, Status
from operators.adapters.daraja import account_reference
from operators.conf import adapter_of
from operators.models import (
    Break,
    BreakKind,
    BreakState,
    Operator,
    OperatorRequest,
    Reconciliation,
    RequestKind,
    RequestState,
)

BATCH = 5_000
WORK_MEM = "256MB"  # for the comparison's sorts and hashes, see _compare
# What the comparison says of each line and each request, besides the break kinds.
MATCHED = "matched"
SETTLE = "settle"  # an open request of ours the statement settles
NOT_OURS = "not_ours"  # a line for nothing of ours that did not succeed: nothing to do
NOT_THEIRS = "not_theirs"  # ours, not on the statement, not succeeded: nothing to do


def reconcile_day(operator: Operator, day: datetime.date) -> Reconciliation:
    """Fetch the operator's statement for `day` and reconcile it."""
    return reconcile(operator, day, adapter_of(operator).statement(day))


def reconcile(
    operator: Operator, day: datetime.date, lines: Iterable[StatementLine]
) -> Reconciliation:
    """Compare the statement with our requests, settle the safe cases, record the breaks."""
    started = time.monotonic()
    compared = _compare(operator, day, lines)
    counts = {"matched": compared.matched, "auto": _settle(compared.to_settle)}
    return _record(operator, day, compared.lines, counts, compared.found, started)


def statement_key(operator: Operator, request: OperatorRequest) -> str:
    """How the statement names our request: the full reference, except Daraja collections,
    whose STK AccountReference holds only its first 12 hex digits. (The `requests` step of
    `_COMPARE` below computes the same key in SQL; change both together.)"""
    if operator.kind == "daraja" and request.kind == RequestKind.COLLECTION:
        return account_reference(str(request.reference))
    return str(request.reference)


@dataclass
class _Comparison:
    lines: int = 0
    matched: int = 0
    found: list[dict[str, Any]] = field(default_factory=list)  # the breaks
    to_settle: list[tuple[int, Outcome]] = field(default_factory=list)  # (request id, outcome)


# The statement's lines, as many as the operator sends, for the length of `_compare`'s atomic
# block. It is dropped at the end of the block: inside a caller's transaction the block is
# only a savepoint and nothing commits, and a second run there must create it again. ON
# COMMIT DROP (and a rollback) make sure it never outlives the transaction either way.
_CREATE = """
CREATE TEMPORARY TABLE reconciliation_statement (
    position bigint NOT NULL,
    reference text COLLATE "C" NOT NULL,
    operator_reference text NOT NULL,
    kind text NOT NULL,
    amount bigint NOT NULL,
    status text NOT NULL
) ON COMMIT DROP
"""
_COPY = (
    "COPY reconciliation_statement"
    " (position, reference, operator_reference, kind, amount, status) FROM STDIN"
)


# theirs: one line per reference, the last one (a duplicate line replaces the earlier one).
# requests: ours, keyed as the statement names them, as `statement_key` does in Python (change
# both together): Daraja collections by the first 12 hex digits of the reference, everything
# else by the whole reference; "C": compared byte by byte, as Python compares the keys.
# ours: the day's requests, and any other the statement names by its full reference (a late
# completion). A line that names a request of the day names that one, so only the other
# lines are looked up, one by one: usually none or a few, and never a scan of every day's
# requests. Two requests with one key keep the lower id, as the former dict did.
# The verdicts follow the order of the checks a line goes through: no request of ours; a
# succeeded line's amount differs; our request is still open (settle it, unless a person
# must decide an amount we already doubted); then the two sides agree or not.
# One pass returns both the counts and the rows Python must see: those rows keep their
# identity in the grouping (a group of one each, so min() is their own value), and every
# other row folds into one count per verdict (whose min() details nobody reads).
_COMPARE = """
WITH theirs AS MATERIALIZED (
    SELECT DISTINCT ON (reference) reference, operator_reference, kind, amount, status
    FROM reconciliation_statement
    ORDER BY reference, position DESC
),
requests AS NOT MATERIALIZED (
    SELECT CASE WHEN %(daraja)s AND kind = %(collection)s
                THEN left(replace(reference::text, '-', ''), 12)
                ELSE reference::text END COLLATE "C" AS key,
           id, reference, amount, state, reason, created_at
    FROM operators_operatorrequest
    WHERE operator_id = %(operator)s
),
day AS MATERIALIZED (
    SELECT key, id, reference, amount, state, reason
    FROM requests
    WHERE created_at >= %(start)s AND created_at < %(end)s
),
unmatched AS (
    SELECT t.reference FROM theirs t
    WHERE NOT EXISTS (SELECT FROM day WHERE day.key = t.reference)
),
late AS (
    SELECT r.*
    FROM unmatched u
    CROSS JOIN LATERAL (
        SELECT key, id, reference, amount, state, reason
        FROM requests
        WHERE reference = CASE WHEN u.reference ~* %(uuid)s THEN u.reference::uuid END
          AND NOT (created_at >= %(start)s AND created_at < %(end)s)
        LIMIT 1  -- the one with that reference, looked up by the unique index, line by line
    ) r
),
ours AS (
    SELECT DISTINCT ON (key) *
    FROM (SELECT * FROM day UNION ALL SELECT * FROM late) candidates
    ORDER BY key, id
),
verdicts AS (
    SELECT CASE
            WHEN o.id IS NULL THEN
                CASE WHEN t.status = %(succeeded)s THEN %(missing_ours)s ELSE %(not_ours)s END
            WHEN t.reference IS NULL THEN
                CASE WHEN o.state = %(succeeded)s THEN %(missing_theirs)s ELSE %(not_theirs)s END
            WHEN t.status = %(succeeded)s AND t.amount <> o.amount THEN %(amount)s
            WHEN o.state IN (%(pending)s, %(unknown)s) THEN
                CASE WHEN o.reason = 'amount_mismatch' THEN %(amount)s ELSE %(settle)s END
            WHEN (o.state = %(succeeded)s) = (t.status = %(succeeded)s) THEN %(matched)s
            ELSE %(status)s
        END AS verdict,
        t.reference AS line_reference, t.operator_reference, t.amount AS their_amount,
        t.status AS their_status, t.kind AS their_kind,
        o.id AS request_id, o.reference::text AS request_reference, o.amount AS our_amount
    FROM theirs t FULL JOIN ours o ON o.key = t.reference
),
kept AS (
    SELECT *, verdict NOT IN (%(matched)s, %(not_ours)s, %(not_theirs)s) AS for_python
    FROM verdicts
)
SELECT verdict, count(*),
       min(line_reference), min(operator_reference), min(their_amount), min(their_status),
       min(their_kind), min(request_id), min(request_reference), min(our_amount)
FROM kept
GROUP BY verdict, CASE WHEN for_python THEN coalesce(line_reference, request_id::text) END
"""
_UUID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def _parameters(operator: Operator, day: datetime.date) -> dict[str, Any]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return {
        "operator": operator.pk,
        "start": start,
        "end": start + datetime.timedelta(days=1),
        "uuid": _UUID,
        "daraja": operator.kind == "daraja",
        "collection": RequestKind.COLLECTION.value,
        "succeeded": Status.SUCCEEDED.value,
        "pending": RequestState.PENDING.value,
        "unknown": RequestState.UNKNOWN.value,
        "missing_ours": BreakKind.MISSING_ON_OURS.value,
        "missing_theirs": BreakKind.MISSING_ON_THEIRS.value,
        "amount": BreakKind.AMOUNT_MISMATCH.value,
        "status": BreakKind.STATUS_MISMATCH.value,
        "settle": SETTLE,
        "matched": MATCHED,
        "not_ours": NOT_OURS,
        "not_theirs": NOT_THEIRS,
    }


def _compare(operator: Operator, day: datetime.date, lines: Iterable[StatementLine]) -> _Comparison:
    compared = _Comparison()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CREATE)
        with cursor.copy(_COPY) as copy:
            copy.set_types(["int8", "text", "text", "text", "int8", "text"])
            for row in _rows(lines):
                copy.write_row(row)
        cursor.execute("ANALYZE reconciliation_statement")  # autovacuum never analyses it
        # A million lines sort and hash in memory (about 150 MB each) rather than on disk.
        # Set for this transaction, and put back: the caller's may go on after us.
        cursor.execute("SELECT current_setting('work_mem')")
        (work_mem,) = cursor.fetchone()
        cursor.execute("SELECT set_config('work_mem', %s, true)", [WORK_MEM])
        cursor.execute(_COMPARE, _parameters(operator, day))
        while rows := cursor.fetchmany(BATCH):
            for row in rows:
                _take(compared, *row)
        cursor.execute("SELECT set_config('work_mem', %s, true)", [work_mem])
        cursor.execute("DROP TABLE reconciliation_statement")
    return compared


def _rows(lines: Iterable[StatementLine]) -> Iterator[tuple[int, str, str, str, int, str]]:
    # Collections and payouts are matched with our requests; a reversal line carries the
    # reference of what it reversed and must not stand in for it.
    kinds = set(RequestKind.values)
    for position, line in enumerate(lines):
        if line.kind in kinds:
            yield (
                position,
                line.reference,
                line.operator_reference,
                str(line.kind),
                line.amount,
                str(line.status),
            )


def _take(compared: _Comparison, verdict: str, count: int, *details: Any) -> None:
    """One row of the comparison: a verdict's count, with its details if Python needs them."""
    if verdict not in (BreakKind.MISSING_ON_THEIRS, NOT_THEIRS):  # the others are lines
        compared.lines += count
    reference, operator_reference, their_amount, status, their_kind, request_id, ours, amount = (
        details
    )
    theirs = {
        "reference": reference,
        "operator_reference": operator_reference,
        "their_amount": their_amount,
        "their_status": status,
        "their_kind": their_kind,
    }
    if verdict == MATCHED:
        compared.matched += count
    elif verdict == SETTLE:
        outcome = Outcome(
            Status(status), operator_reference=operator_reference, amount=their_amount
        )
        compared.to_settle.append((request_id, outcome))
    elif verdict == BreakKind.MISSING_ON_OURS:
        compared.found.append({"kind": verdict, **theirs})
    elif verdict == BreakKind.MISSING_ON_THEIRS:
        compared.found.append(
            {"kind": verdict, "reference": ours, "request_id": request_id, "our_amount": amount}
        )
    elif verdict in (BreakKind.AMOUNT_MISMATCH, BreakKind.STATUS_MISMATCH):
        compared.found.append(
            {"kind": verdict, "request_id": request_id, "our_amount": amount} | theirs
        )


def _settle(to_settle: list[tuple[int, Outcome]]) -> int:
    """Settle each open request as the statement reports it, one at a time through the
    services (each posts or releases its money in its own transaction)."""
    to_settle.sort(key=lambda item: item[0])
    for offset in range(0, len(to_settle), BATCH):
        chunk = to_settle[offset : offset + BATCH]
        requests = OperatorRequest.objects.in_bulk([request_id for request_id, _ in chunk])
        for request_id, outcome in chunk:
            services.apply_outcome(requests[request_id], outcome)
    return len(to_settle)


@transaction.atomic(durable=True)
def _record(
    operator: Operator,
    day: datetime.date,
    lines: int,
    counts: dict[str, int],
    found: list[dict[str, Any]],
    started: float,
) -> Reconciliation:
    run, _ = Reconciliation.objects.update_or_create(
        operator=operator,
        day=day,
        defaults={
            "lines": lines,
            "matched": counts["matched"],
            "auto_resolved": counts["auto"],
            "ran_at": timezone.now(),
        },
    )
    Break.objects.bulk_create(
        (Break(reconciliation=run, **fields) for fields in found),
        ignore_conflicts=True,  # a second run adds only what is new
        batch_size=BATCH,
    )
    run.breaks = run.found.exclude(state=BreakState.RESOLVED).count()
    run.duration_ms = int((time.monotonic() - started) * 1000)
    run.save(update_fields=["breaks", "duration_ms"])
    return run
