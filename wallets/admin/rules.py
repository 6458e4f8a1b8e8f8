"""Market rules as editable data: send-money tariffs with their bands, and limits per KYC tier.

A change takes effect through `effective_from`: add a new tariff or limit row dated ahead
rather than editing the one in force, so past postings keep the rules they were charged under.
"""

from __future__ import annotations

from django.contrib import admin

from wallets.admin.common import money
from wallets.forms import BandsFormSet, TariffBandForm
from wallets.models import Tariff, TariffBand, TierLimit


class TariffBandInline(admin.TabularInline):
    model = TariffBand
    form = TariffBandForm
    formset = BandsFormSet
    extra = 1
    min_num = 1
    fields = ["min_amount", "max_amount", "fee", "shown_as"]
    readonly_fields = ["shown_as"]

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
class TariffAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "currency", "effective_from", "description"]
    list_filter = ["kind", "currency"]
    fields = ["kind", "currency", "effective_from", "description"]
    inlines = [TariffBandInline]


@admin.register(TierLimit)
class TierLimitAdmin(admin.ModelAdmin):
    list_display = [
        "tier",
        "currency",
        "effective_from",
        "per_transaction",
        "daily",
        "monthly",
        "maximum_balance",
    ]
    list_filter = ["tier", "currency"]
    fields = [
        "tier",
        "currency",
        "effective_from",
        "min_amount",
        "max_per_transaction",
        "max_daily",
        "max_monthly",
        "max_balance",
        "source",
    ]

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
