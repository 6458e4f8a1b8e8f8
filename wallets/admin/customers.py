"""Customers: searchable and editable, with their accounts read-only and a PIN status.

A PIN hash never reaches a page: the PIN fields are not editable (so no form has them) and the
only thing shown is `pin_status`. New customers are registered through the channels
(`wallets.services.register_customer` opens the wallet too), so the admin adds none, and a
customer with a ledger history is closed (status), never deleted.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from wallets import services
from wallets.admin.common import ReadOnlyPermissions, money, pin_status
from wallets.errors import InvalidPhoneNumber
from wallets.models import Account, Customer
from wallets.phones import normalize_phone


class AccountInline(ReadOnlyPermissions, admin.TabularInline):
    model = Account
    fk_name = "customer"
    extra = 0
    fields = readonly_fields = (
        "kind",
        "currency",
        "balance_shown",
        "held_shown",
        "available_shown",
    )
    can_delete = False
    show_change_link = True

    @admin.display(description="balance")
    def balance_shown(self, account: Account) -> str:
        return money(account.balance, account.currency)

    @admin.display(description="held")
    def held_shown(self, account: Account) -> str:
        return money(account.held, account.currency)

    @admin.display(description="available")
    def available_shown(self, account: Account) -> str:
        return money(account.available, account.currency)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["phone", "name", "kyc_tier", "status", "pin", "created_at"]
    list_filter = ["status", "kyc_tier"]
    search_fields = ["phone", "name", "id_number"]
    fields = [
        "phone",
        "name",
        "language",
        "kyc_tier",
        "status",
        "id_type",
        "id_number",
        "date_of_birth",
        "pin",
        "created_at",
    ]
    readonly_fields = ["pin", "created_at"]
    inlines = [AccountInline]
    actions = ["unlock_pins"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Customer | None = None) -> bool:
        return False

    @admin.display(description="PIN")
    def pin(self, customer: Customer) -> str:
        return pin_status(customer)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Customer], search_term: str
    ) -> tuple[QuerySet[Customer], bool]:
        """Also find a phone typed as people say it: '0712 345 678' finds +254712345678."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            phone = normalize_phone(search_term)
        except InvalidPhoneNumber:
            return results, may_have_duplicates
        return results | queryset.filter(phone=phone), may_have_duplicates

    @admin.action(
        description="Unlock PIN (after checking the customer's identity)", permissions=["change"]
    )
    def unlock_pins(self, request: HttpRequest, queryset: QuerySet[Customer]) -> None:
        unlocked: list[str] = []
        not_locked: list[str] = []
        for customer in queryset:
            was_locked = customer.pin_is_locked
            services.unlock_pin(customer)
            (unlocked if was_locked else not_locked).append(str(customer))
        if unlocked:
            self.message_user(request, f"PIN unlocked: {', '.join(unlocked)}.", messages.SUCCESS)
        if not_locked:
            self.message_user(
                request,
                f"Not locked (wrong-PIN count reset): {', '.join(not_locked)}.",
                messages.INFO,
            )
