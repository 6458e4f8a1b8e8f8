"""A day's statement: the operator's settlement export, the third source for reconciliation.

Neither Daraja nor MoMo offers a simple statement API (Safaricom's is an emailed or portal
export, MTN's a partner report), so this format is our own, shaped like those exports:

    transaction_id,reference,kind,amount,currency,phone,status,completed_at
    SJK4H2P9QX,AB3K7M9PQR,collection,150000,KES,254712345678,SUCCESSFUL,2026-11-24T09:30:00+03:00

- transaction_id: the operator's id (M-Pesa receipt; MoMo financialTransactionId);
- reference: the caller's (Daraja: AccountReference for STK, OriginatorConversationID for
  B2C and reversals; MoMo: the X-Reference-Id);
- kind: collection, payout or reversal; amount: integer minor units; status: SUCCESSFUL or
  FAILED (pending requests are not on any statement yet);
- completed_at: ISO 8601 with the operator's offset; a day is a calendar day at that offset.
"""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

from operators.simulator.engine import Engine
from operators.simulator.ledger import PENDING
from operators.simulator.web import Response, json_response

COLUMNS = ("transaction_id", "reference", "kind", "amount", "currency", "phone", "status")
HEADER = (*COLUMNS, "completed_at")


def statement(engine: Engine, operator: str, day: str) -> Response:
    """GET /<operator>/statements/<YYYY-MM-DD> (after the operator's own authentication)."""
    try:
        wanted = datetime.date.fromisoformat(day)
    except ValueError:
        return json_response(400, {"error": "the day must be YYYY-MM-DD"})
    plan = engine.plan(operator, "statement")
    if plan.error:
        return json_response(500, {"error": "statement not available"})
    if plan.timeout and not engine.hang(plan.timeout):
        return json_response(503, {"error": "stopping"})
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(HEADER)
    for line in lines(engine, operator, wanted):
        writer.writerow([line[column] for column in HEADER])
    return Response(
        200,
        output.getvalue().encode(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{operator}-{day}.csv"'},
    )


def lines(engine: Engine, operator: str, day: datetime.date) -> list[dict[str, Any]]:
    """The day's lines in completion order: finished transactions, less those the
    missing_from_statement fault hides, plus the phantom lines injected for that day."""
    timezone = engine.config.timezone
    with engine.ledger.lock:
        records = [
            record
            for record in engine.ledger.records.values()
            if record.operator == operator and record.status != PENDING and record.in_statement
        ]
        found = [
            {column: getattr(record, column) for column in COLUMNS}
            | {"completed_at": record.completed_at}
            for record in records
        ]
        found += [line for line in engine.ledger.phantoms if line["operator"] == operator]
    dated = [(datetime.datetime.fromisoformat(line["completed_at"]), line) for line in found]
    chosen = [(at, line) for at, line in dated if at.astimezone(timezone).date() == day]
    return [line for _, line in sorted(chosen, key=lambda pair: pair[0])]
