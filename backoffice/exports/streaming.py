"""Rows to CSV, streamed: a StreamingHttpResponse fed by a generator.

Lines are sent in batches of `BATCH_ROWS` (one write per batch rather than per row), so the
memory in use is one batch of text plus the source's current chunk of rows, however long the
export. Served by WSGI (gunicorn, runserver) the generator is consumed as the client reads;
an ASGI server would first collect a synchronous iterator in full, so exports stay on WSGI.

Spreadsheet formula injection (OWASP "CSV injection"): a text cell starting with = + - @, a
tab or a carriage return is prefixed with an apostrophe, so Excel or LibreOffice shows it as
text instead of running it. Plain numbers are left as they are: a negative amount (-150.50) or
an E.164 phone number (+254712345678) is data that runs nothing, and consumers read it back.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Generator, Iterable, Sequence

from django.http import StreamingHttpResponse

BATCH_ROWS = 500
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[-+]?[0-9]+(?:\.[0-9]+)?")


def safe_cell(value: object) -> str:
    """The cell's text, with a leading apostrophe where a spreadsheet would see a formula."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(text):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose `write` hands back the line, so csv.writer formats one row
    at a time without a buffer."""

    def write(self, line: str) -> str:
        return line


def csv_lines(
    header: Sequence[str], rows: Iterable[Sequence[object]]
) -> Generator[str, None, None]:
    """The header, then the rows in batches of lines. Closing this generator (the client went
    away) closes the source too, ending its database cursor and transaction at once."""
    writer = csv.writer(_Echo())
    batch = [writer.writerow(header)]
    try:
        for row in rows:
            batch.append(writer.writerow([safe_cell(value) for value in row]))
            if len(batch) >= BATCH_ROWS:
                yield "".join(batch)
                batch = []
        yield "".join(batch)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # statements are personal data
    response["X-Content-Type-Options"] = "nosniff"
    return response
