"""The export page (three small forms) and the CSV downloads, inside the admin.

A download is a GET with the form's fields: it reads and never changes anything, and the
link can be repeated. Invalid input shows the page again with the errors (status 400). Each
download is recorded in the audit log (`audit.services.record`, action "export").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import cast

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase
from django.template.response import TemplateResponse
from django.utils import timezone

from audit.services import record
from backoffice.dashboard.access import can_export
from backoffice.exports import sources
from backoffice.exports.forms import DateRangeForm, StatementForm
from backoffice.exports.streaming import csv_response


@dataclass(frozen=True)
class Export:
    title: str
    description: str
    form_class: type[DateRangeForm]
    header: list[str]
    rows: Callable[[DateRangeForm], Iterator[sources.Row]]
    filename: Callable[[DateRangeForm], str]


def statement_form(form: DateRangeForm) -> StatementForm:
    """The statement export's form (EXPORTS pairs it with StatementForm)."""
    return cast(StatementForm, form)


EXPORTS = {
    "transactions": Export(
        "Transactions",
        "Every transaction created in the period, in posting order.",
        DateRangeForm,
        sources.TRANSACTION_HEADER,
        lambda form: sources.transaction_rows(form.period),
        lambda form: f"transactions_{form.period.slug}.csv",
    ),
    "statement": Export(
        "Wallet statement",
        "One customer's postings in the period, with the balance after each.",
        StatementForm,
        sources.STATEMENT_HEADER,
        lambda form: sources.statement_rows(statement_form(form).wallet, form.period),
        lambda form: f"statement_{form.cleaned_data['phone'].lstrip('+')}_{form.period.slug}.csv",
    ),
    "commissions": Export(
        "Agents' commission statements",
        "The monthly statements of every agent, for the months the period touches.",
        DateRangeForm,
        sources.COMMISSION_HEADER,
        lambda form: sources.commission_statement_rows(form.period),
        lambda form: f"commission-statements_{form.period.slug}.csv",
    ),
}


def _check(request: HttpRequest) -> None:
    if not can_export(request.user):
        raise PermissionDenied


def _blank_form(kind: str) -> DateRangeForm:
    today = timezone.localdate()
    initial = {"date_from": today.replace(day=1), "date_to": today}
    return EXPORTS[kind].form_class(initial=initial, auto_id=f"id_{kind}_%s")


def _page(
    request: HttpRequest, forms: dict[str, DateRangeForm], status: int = 200
) -> TemplateResponse:
    context = {
        **admin.site.each_context(request),
        "title": "CSV exports",
        "exports": [(kind, EXPORTS[kind], form) for kind, form in forms.items()],
    }
    return TemplateResponse(request, "backoffice/exports.html", context, status=status)


def exports_page(request: HttpRequest) -> TemplateResponse:
    _check(request)
    return _page(request, {kind: _blank_form(kind) for kind in EXPORTS})


def export_csv(request: HttpRequest, kind: str) -> HttpResponseBase:
    """Stream one export as CSV, or show the page again with the form's errors."""
    _check(request)
    if kind not in EXPORTS:
        raise Http404("No such export.")
    export = EXPORTS[kind]
    form = export.form_class(request.GET, auto_id=f"id_{kind}_%s")
    if not form.is_valid():
        forms = {other: _blank_form(other) for other in EXPORTS} | {kind: form}
        return _page(request, forms, status=400)
    # A download of customers' data is recorded like a change: who, what, which period.
    record(
        action="export",
        request=request,
        obj=statement_form(form).wallet.customer if kind == "statement" else None,
        details={"export": kind, "from": str(form.period.first), "to": str(form.period.last)},
    )
    return csv_response(export.filename(form), export.header, export.rows(form))
