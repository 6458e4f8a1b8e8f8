"""The daily statement: our CSV format, served by the simulator and expected from an operator's
settlement export (GET {base_url}/statements/YYYY-MM-DD).

    transaction_id,reference,kind,amount,currency,phone,status,completed_at
    NLJ7RT61SV,6f1c…-…,collection,150000,KES,+254712345678,SUCCESSFUL,2025-01-31T10:21:15+03:00

`amount` is in MINOR units; `status` is SUCCESSFUL or FAILED; `completed_at` is ISO 8601 with
an offset; `kind` is a lowercase word (collection, payout, reversal). `reference` is the
caller's reference as the operator knows it: empty for a payment we never asked for, and for
a Daraja STK collection the 12-character AccountReference (`daraja.account_reference`).
`phone` is E.164 or empty (a bare MSISDN, 254712345678, is read as +254712345678).
A malformed line raises InvalidStatement naming the line it starts on.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable

from operators.adapters.base import InvalidStatement, StatementLine, Status
from operators.adapters.formats import E164, e164

HEADER = (
    "transaction_id",
    "reference",
    "kind",
    "amount",
    "currency",
    "phone",
    "status",
    "completed_at",
)
STATUSES = {"SUCCESSFUL": Status.SUCCEEDED, "FAILED": Status.FAILED}
WIRE_STATUSES = {status: text for text, status in STATUSES.items()}
KIND = re.compile(r"[a-z_]+")
CURRENCY = re.compile(r"[A-Z]{3}")
DIGITS = re.compile(r"[0-9]+")


def parse_statement(text: str) -> list[StatementLine]:
    """Every line of a statement file; InvalidStatement("line N: ...") on the first bad one."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise InvalidStatement(f"line 1: {error}") from None
    if header is None or tuple(column.strip() for column in header) != HEADER:
        raise InvalidStatement(f"line 1: the header must be {','.join(HEADER)}")
    lines: list[StatementLine] = []
    while True:
        start = reader.line_num + 1  # a quoted field may run over several lines
        try:
            row = next(reader)
        except StopIteration:
            return lines
        except csv.Error as error:
            raise InvalidStatement(f"line {start}: {error}") from None
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # a blank line (a trailing newline)
        try:
            lines.append(_line(row))
        except ValueError as error:
            raise InvalidStatement(f"line {start}: {error}") from None


def _line(row: list[str]) -> StatementLine:
    if len(row) != len(HEADER):
        raise ValueError(f"{len(row)} columns, expected {len(HEADER)}")
    transaction_id, reference, kind, amount, currency, phone, status, completed_at = (
        value.strip() for value in row
    )
    if not transaction_id:
        raise ValueError("transaction_id is empty")
    if not KIND.fullmatch(kind):
        raise ValueError(f"kind {kind!r} is not a lowercase word")
    if not DIGITS.fullmatch(amount):
        raise ValueError(f"amount {amount!r} is not a whole number of minor units")
    if not CURRENCY.fullmatch(currency):
        raise ValueError(f"currency {currency!r} is not an ISO 4217 code")
    if phone and not E164.fullmatch(phone):
        try:
            phone = e164(phone)  # an export without the "+": 254712345678
        except ValueError:
            raise ValueError(f"phone {phone!r} is not a phone number") from None
    if status not in STATUSES:
        raise ValueError(f"status {status!r} is not SUCCESSFUL or FAILED")
    try:
        when = datetime.datetime.fromisoformat(completed_at)
    except ValueError:
        raise ValueError(f"completed_at {completed_at!r} is not ISO 8601") from None
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"completed_at {completed_at!r} has no UTC offset")
    return StatementLine(
        operator_reference=transaction_id,
        reference=reference,
        kind=kind,
        amount=int(amount),
        currency=currency,
        phone=phone,
        status=STATUSES[status],
        completed_at=when,
    )


def write_statement(lines: Iterable[StatementLine]) -> str:
    """The CSV text of `lines` (for the simulator, fixtures and benchmarks)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for line in lines:
        writer.writerow(
            [
                line.operator_reference,
                line.reference,
                line.kind,
                line.amount,
                line.currency,
                line.phone,
                WIRE_STATUSES[line.status],
                line.completed_at.isoformat(),
            ]
        )
    return out.getvalue()
