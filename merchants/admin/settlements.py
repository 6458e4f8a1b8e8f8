"""Merchant settlements: read-only, one row per merchant and day (the sweep writes them; the
operator's answer settles or fails them). A failed one shows why; its money stayed in the
merchant's account and the next day's sweep takes it. Each settlement's page shows its
statement's totals and the payout, and downloads the statement as CSV (streamed; cells that
a spreadsheet would run as formulas are neutralised by backoffice.exports.streaming). A
download is recorded in the audit log, as the back office's exports are.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from audit.services import record
from backoffice.exports.streaming import csv_response
from merchants import statements
from merchants.models import Settlement
from wallets.admin.common import ReadOnlyPermissions, admin_link, money


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = [
        "day",
        "merchant",
        "amount_shown",
        "method",
        "destination",
        "state",
        "why_failed",
        "finished_at",
    ]
    list_filter = ["state", "method", "day"]
    search_fields = ["merchant__name", "destination", "operator_request__reference"]
    list_select_related = ["merchant", "operator_request"]
    readonly_fields = [
        *(field.name for field in Settlement._meta.fields),
        "why_failed",
        "payout",
        "statement_totals",
        "statement_csv",
    ]
    date_hierarchy = "day"

    @admin.display(description="amount")
    def amount_shown(self, settlement: Settlement) -> str:
        return money(settlement.amount, settlement.currency)

    @admin.display(description="why it failed")
    def why_failed(self, settlement: Settlement) -> str:
        if settlement.state != "failed":
            return ""
        request = settlement.operator_request
        return f"{request.reason}: {request.detail}".strip(": ") or "-"

    @admin.display(description="payout")
    def payout(self, settlement: Settlement) -> SafeString | str:
        posted = settlement.operator_request.transaction
        if posted is None:
            return admin_link(settlement.operator_request, "operator request (not posted)")
        return admin_link(posted, f"{posted.reference} (posted)")

    @admin.display(description="statement")
    def statement_totals(self, settlement: Settlement) -> str:
        sums = statements.totals(settlement)
        currency = settlement.currency
        return (
            f"opening {money(sums.opening, currency)}; received {money(sums.paid_in, currency)}; "
            f"paid out {money(sums.paid_out, currency)}; fees {money(sums.fees, currency)}; "
            f"closing {money(sums.closing, currency)}"
        )

    @admin.display(description="statement (CSV)")
    def statement_csv(self, settlement: Settlement) -> SafeString:
        url = reverse("admin:merchants_settlement_statement", args=[settlement.pk])
        return format_html('<a href="{}">Download the statement</a>', url)

    def get_urls(self) -> list[URLPattern]:
        download = path(
            "<int:object_id>/statement.csv",
            self.admin_site.admin_view(self.statement_view),
            name="merchants_settlement_statement",
        )
        return [download, *super().get_urls()]

    def statement_view(self, request: HttpRequest, object_id: int) -> HttpResponseBase:
        settlement = (
            Settlement.objects.select_related("merchant__account", "operator_request__transaction")
            .filter(pk=object_id)
            .first()
        )
        if settlement is None:
            raise Http404("No such settlement.")
        if not self.has_view_permission(request, settlement):
            raise PermissionDenied
        record(action="export", request=request, obj=settlement, details=_described(settlement))
        filename = f"settlement_{settlement.merchant_id}_{settlement.day:%Y-%m-%d}.csv"
        return csv_response(filename, statements.CSV_HEADER, statements.csv_rows(settlement))


def _described(settlement: Settlement) -> dict[str, Any]:
    return {"export": "merchant_settlement_statement", "day": str(settlement.day)}
