"""Market rules as editable data: send-money tariffs with their bands, and limits per KYC tier.

A change takes effect through `effective_from`: a new tariff or limit row dated ahead,
never an edit of the one in force, so past postings keep the rules they were charged under.
New versions come through maker-checker (approvals: kinds `tariff` and `tier_limit`); these
pages show the rules and link to that request.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.safestring import SafeString

from wallets.admin.common import ReadOnlyPermissions, change_request_link, money
from wallets.models import Tariff, TariffBand, TierLimit


class TariffBandInline(ReadOnlyPermissions, admin.TabularInline):
    model = TariffBand
    extra = 0
    fields = readonly_fields = ("min_amount", "max_amount", "fee", "shown_as")

    @admin.display(description="shown as")
    def shown_as(self, band: TariffBand) -> str:
        if band.pk is None:
            return "-"
        currency = band.tariff.currency
        return (
            f"{money(band.min_amount, currency)} to {money(band.max_amount, currency)}:"
            f" fee {money(band.fee, currency)}"
        )


@admin.register(Tariff)
class TariffAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = ["__str__", "kind", "currency", "effective_from", "description", "new_version"]
    list_filter = ["kind", "currency"]
    fields = readonly_fields = ("kind", "currency", "effective_from", "description", "new_version")
    inlines = [TariffBandInline]

    @admin.display(description="change")
    def new_version(self, tariff: Tariff) -> SafeString | str:
        # (the tariff's own kind cannot be prefilled: `kind` names the change request's)
        return change_request_link("tariff", "Request a new version", currency=tariff.currency)


@admin.register(TierLimit)
class TierLimitAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = [
        "tier",
        "currency",
        "effective_from",
        "per_transaction",
        "daily",
        "monthly",
        "maximum_balance",
        "new_version",
    ]
    list_filter = ["tier", "currency"]
    fields = readonly_fields = (
        "tier",
        "currency",
        "effective_from",
        "min_amount",
        "max_per_transaction",
        "max_daily",
        "max_monthly",
        "max_balance",
        "open_by_phone",
        "source",
        "new_version",
    )

    @admin.display(description="change")
    def new_version(self, limit: TierLimit) -> SafeString | str:
        return change_request_link(
            "tier_limit", "Request a new version", tier=limit.tier, currency=limit.currency
        )

    @admin.display(description="per transaction")
    def per_transaction(self, limit: TierLimit) -> str:
        return money(limit.max_per_transaction, limit.currency)

    @admin.display(description="daily")
    def daily(self, limit: TierLimit) -> str:
        return money(limit.max_daily, limit.currency)

    @admin.display(description="monthly")
    def monthly(self, limit: TierLimit) -> str:
        return money(limit.max_monthly, limit.currency)

    @admin.display(description="maximum balance")
    def maximum_balance(self, limit: TierLimit) -> str:
        return money(limit.max_balance, limit.currency)
