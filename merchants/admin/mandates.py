"""Debit mandates: read-only (customers and partners set them up); staff may cancel one, for
example when a customer asks customer care to."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from merchants import errors, services
from merchants.models import Mandate
from wallets.admin.common import ReadOnlyPermissions, money


@admin.register(Mandate)
class MandateAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = [
        "reference",
        "customer",
        "merchant",
        "per_payment",
        "per_day",
        "ends_on",
        "state",
        "channel",
        "created_at",
    ]
    list_filter = ["state", "channel"]
    search_fields = ["reference", "customer__phone", "merchant__name"]
    list_select_related = ["customer", "merchant"]
    readonly_fields = [field.name for field in Mandate._meta.fields]
    actions = ["cancel"]

    @admin.display(description="cap per payment")
    def per_payment(self, mandate: Mandate) -> str:
        return money(mandate.max_per_payment, mandate.currency)

    @admin.display(description="cap per day")
    def per_day(self, mandate: Mandate) -> str:
        return money(mandate.max_daily, mandate.currency)

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("merchants.change_mandate")

    @admin.action(description="Cancel (the merchant can no longer debit)", permissions=["cancel"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Mandate]) -> None:
        for mandate in queryset:
            try:
                services.cancel_mandate(mandate=mandate, by="staff")
            except errors.MandateNotActive:
                state = mandate.get_state_display().lower()
                self.message_user(request, f"{mandate.reference} is {state}.", messages.WARNING)
            else:
                self.message_user(request, f"{mandate.reference} cancelled.", messages.SUCCESS)
