"""Bulk disbursements: a batch of up to 10,000 lines, stored at once and posted by a task.

Lines are parsed when the batch is submitted: a line that is not a disbursement to an MSISDN
of a valid amount in the partner's currency is rejected there and then (the GSMA "parsing"
step), without failing its neighbours. The task posts the others in chunks: one query finds
the chunk's wallets, each line is one posting (`merchants.services.disbursement`) under the
key `batch:<batch id>:<line no>`, the chunk's postings go to the database in one pipeline
(`wallets.services.post_together`), one statement records the chunk's results, and
the chunk commits once (`wallets.services.one_commit`): the lines all debit the partner's
account, so parallel streams would only queue on its row lock, while sharing the commit and
the round trip removes most of a line's cost. A crash or a second worker is harmless: a
PostgreSQL advisory lock lets one worker run a batch, and a line posted before a crash is
found again by its key and recorded, never paid twice.
"""

from __future__ import annotations

import datetime
import logging
import operator
import uuid
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from gsma import render
from gsma.models import Batch, BatchLine, BatchStatus, LineState, RequestKind, RequestState
from gsma.requeststates import settle
from merchants import services as merchant_services
from merchants.models import Merchant
from wallets import errors as ledger_errors
from wallets.models import Account, AccountKind
from wallets.phones import normalize_phone
from wallets.services import PostingRequest, one_commit, post_together

logger = logging.getLogger(__name__)

CHUNK = 250
LOCK_SPACE = 0x65_6D_61  # keeps these advisory locks apart from others ("gsma")
LINE_TYPES = {"disbursement", "transfer"}


def parse_line(number: int, item: dict[str, Any], currency: str) -> BatchLine:
    """One line as a row: pending if it parses, rejected with the reason if not."""
    line = BatchLine(line_no=number, msisdn="", currency=currency)
    reference = item.get("requestingOrganisationTransactionReference")
    line.client_reference = str(reference)[:256] if reference else ""
    try:
        phone = _credit_msisdn(item.get("creditParty"))
        line.msisdn = phone
        if item.get("type", "disbursement") not in LINE_TYPES:
            raise ledger_errors.LedgerError("Only disbursement lines are accepted in a batch.")
        if item.get("currency") != currency:
            raise ledger_errors.CurrencyMismatch(f"This partner transacts in {currency}.")
        line.amount = render.parse_amount(item.get("amount"), currency)  # type: ignore[arg-type]
        line.msisdn = normalize_phone(phone)
    except ledger_errors.LedgerError as error:
        line.state, line.rejection_reason = LineState.REJECTED, error.text[:256]
        line.finished_at = timezone.now()
    return line


def _credit_msisdn(party: Any) -> str:
    for item in party if isinstance(party, list) else []:
        if isinstance(item, dict) and str(item.get("key", "")).lower() == "msisdn":
            return str(item.get("value", ""))[:32]
    raise ledger_errors.InvalidPhoneNumber("creditParty needs an msisdn.")


@transaction.atomic
def submit(
    *,
    merchant: Merchant,
    items: list[dict[str, Any]],
    title: str,
    description: str,
    initiator: str,
    callback_url: str,
    correlation_id: Any,
) -> RequestState:
    """Store a batch and its lines, and queue its processing after commit."""
    batch = Batch.objects.create(
        merchant=merchant, title=title, description=description, initiator=initiator
    )
    lines = [parse_line(n, item, merchant.currency) for n, item in enumerate(items, start=1)]
    for line in lines:
        line.batch = batch
    _store(lines)
    rejected = sum(line.state == LineState.REJECTED for line in lines)
    Batch.objects.filter(pk=batch.pk).update(
        lines_total=len(lines), parsed_ok=len(lines) - rejected, rejected_count=rejected
    )
    state = RequestState.objects.create(
        merchant=merchant,
        kind=RequestKind.BATCH,
        batch=batch,
        callback_url=callback_url,
        client_correlation_id=correlation_id,
        object_reference=str(batch.id),
    )
    transaction.on_commit(lambda: _queue(batch.pk))
    return state


# The lines' columns and their types, for COPY: `bulk_create` compiles every value of every
# row into an INSERT in Python, most of a 10,000-line submission's time.
_LINE_COLUMNS = {
    "batch_id": "uuid",
    "line_no": "int4",
    "msisdn": "text",
    "amount": "int8",
    "currency": "text",
    "client_reference": "text",
    "state": "text",
    "transaction_reference": "text",
    "rejection_reason": "text",
    "finished_at": "timestamptz",
}
_line_values = operator.attrgetter(*_LINE_COLUMNS)


def _store(lines: list[BatchLine]) -> None:
    """Write the batch's lines with one COPY."""
    sql = f"COPY {BatchLine._meta.db_table} ({', '.join(_LINE_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        copy.set_types(list(_LINE_COLUMNS.values()))
        for line in lines:
            copy.write_row(_line_values(line))


STALLED_AFTER = datetime.timedelta(minutes=5)


def requeue_stalled(now: datetime.datetime | None = None) -> int:
    """Queue again the batches still unfinished a while after they were stored: a task lost
    with a broker or a killed worker. A second worker on a batch is harmless (the advisory
    lock lets one run it, and each line posts once by its key)."""
    stalled = Batch.objects.filter(
        status__in=[BatchStatus.CREATED, BatchStatus.APPROVED],
        created_at__lt=(now or timezone.now()) - STALLED_AFTER,
    ).values_list("pk", flat=True)
    found = list(stalled[:100])
    for batch_id in found:
        _queue(batch_id)
    return len(found)


def _queue(batch_id: Any) -> None:
    from gsma.tasks import process_batch

    process_batch.delay(str(batch_id))


def process(batch_id: Any) -> Batch | None:
    """Post every pending line of the batch once, then complete it and settle its state.
    None if there is no such batch (a task outliving its database, as after a reset)."""
    lock = LOCK_SPACE ^ (uuid.UUID(str(batch_id)).int & (2**62 - 1))  # a bigint per batch
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s::bigint)", [lock])
        if not cursor.fetchone()[0]:
            return Batch.objects.filter(pk=batch_id).first()  # another worker is on it
    try:
        batch = Batch.objects.select_related("merchant__account").filter(pk=batch_id).first()
        if batch is None:
            logger.warning("batch %s does not exist: nothing to process", batch_id)
            return None
        Batch.objects.filter(pk=batch.pk, status=BatchStatus.CREATED).update(
            status=BatchStatus.APPROVED, approved_at=timezone.now()
        )
        _run_chunks(batch)
        _complete(batch)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s::bigint)", [lock])
    state = RequestState.objects.select_related("merchant", "batch").get(batch=batch)
    settle(state)
    batch.refresh_from_db()
    return batch


def _run_chunks(batch: Batch) -> None:
    while _post_chunk(batch):
        pass


def _post_chunk(batch: Batch) -> int:
    """Post up to CHUNK pending lines under one commit (`wallets.services.one_commit`), sent
    together in one pipeline (`post_together`): each line is its own posting in its own
    subtransaction, and the lines' results are written in the same transaction, so a crash
    loses a whole chunk or nothing, never a result."""
    lines = list(batch.lines.filter(state=LineState.PENDING).order_by("line_no")[:CHUNK])
    if not lines:
        return 0
    currency = batch.merchant.currency
    wallets = {  # what a posting needs of a wallet: its id, kind and currency
        phone: Account(pk=pk, kind=AccountKind.CUSTOMER_WALLET, currency=currency)
        for phone, pk in Account.objects.filter(
            kind=AccountKind.CUSTOMER_WALLET,
            currency=currency,
            customer__phone__in={line.msisdn for line in lines},
        ).values_list("customer__phone", "pk")
    }
    requests: list[PostingRequest] = []
    to_post: list[BatchLine] = []
    now = timezone.now()
    for line in lines:
        line.finished_at = now
        try:
            requests.append(_request(batch, line, wallets.get(line.msisdn)))
            to_post.append(line)
        except ledger_errors.LedgerError as error:
            _reject(line, error)
    with one_commit():
        for line, result in zip(to_post, post_together(requests), strict=True):
            if isinstance(result, ledger_errors.LedgerError):
                _reject(line, merchant_services.as_business_refusal(result))
            else:
                line.state, line.transaction_reference = LineState.COMPLETED, result.reference
        _record(lines)
    return len(lines)


def _record(lines: list[BatchLine]) -> None:
    """The chunk's results, in one statement over arrays: Django's `bulk_update` builds a CASE
    over every row and field, and one UPDATE per line is parsed and planned per line."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {BatchLine._meta.db_table} AS line SET state = result.state,"  # noqa: S608
            " transaction_reference = result.reference, rejection_reason = result.reason,"
            " finished_at = result.finished_at"
            " FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::timestamptz[])"
            " AS result(id, state, reference, reason, finished_at)"
            " WHERE line.id = result.id",
            [
                [row.pk for row in lines],
                [row.state for row in lines],
                [row.transaction_reference for row in lines],
                [row.rejection_reason for row in lines],
                [row.finished_at for row in lines],
            ],
        )


def _request(batch: Batch, line: BatchLine, wallet: Account | None) -> PostingRequest:
    if wallet is None:
        raise ledger_errors.UnknownCustomer()
    return merchant_services.disbursement(
        merchant=batch.merchant,
        recipient=wallet,
        amount=line.amount or 0,
        idempotency_key=f"batch:{batch.pk}:{line.line_no}",
        channel="api",
        initiator=batch.initiator,
        metadata={
            "gsma_type": "disbursement",
            "batch": str(batch.pk),
            "line": line.line_no,
            **({"client_reference": line.client_reference} if line.client_reference else {}),
        },
    )


def _reject(line: BatchLine, error: ledger_errors.LedgerError) -> None:
    line.state, line.rejection_reason = LineState.REJECTED, error.text[:256]


def _complete(batch: Batch) -> None:
    counts = batch.lines.aggregate(
        completed=Count("pk", filter=Q(state=LineState.COMPLETED)),
        rejected=Count("pk", filter=Q(state=LineState.REJECTED)),
    )
    Batch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.COMPLETED,
        completed_at=timezone.now(),
        completed_count=counts["completed"],
        rejected_count=counts["rejected"],
    )
