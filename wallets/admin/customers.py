"""Customers: searchable and editable, with their accounts read-only and a PIN status.

A PIN hash never reaches a page: the PIN fields are not editable (so no form has them) and the
only thing shown is `pin_status`. New customers are registered through the channels
(`wallets.services.register_customer` opens the wallet too), so the admin adds none, and a
customer with a ledger history is closed (status), never deleted.

Customer care starts from a customer's page: the 360 overview (read-only) and "Reset PIN"
after an ID check (customer_care.py).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.views.decorators.debug import sensitive_post_parameters

from wallets import services
from wallets.admin import customer_care
from wallets.admin.common import (
    ChangedByApproval,
    ReadOnlyPermissions,
    change_request_link,
    money,
    pin_status,
)
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
class CustomerAdmin(ChangedByApproval, admin.ModelAdmin):
    list_display = ["phone", "name", "kyc_tier", "status", "pin", "created_at"]
    list_filter = ["status", "kyc_tier"]
    search_fields = ["phone", "name", "id_number"]
    fields = [
        "phone",
        "name",
        "language",
        "kyc_tier",
        "status",
        "sensitive_changes",
        "id_type",
        "id_number",
        "date_of_birth",
        "pin",
        "care",
        "created_at",
    ]
    readonly_fields = ["pin", "care", "created_at", "sensitive_changes"]
    # A tier upgrade, a freeze or an unfreeze needs a second person (approvals).
    approved_fields = ("kyc_tier", "status")
    inlines = [AccountInline]
    actions = ["unlock_pins"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Customer | None = None) -> bool:
        return False

    @admin.display(description="PIN")
    def pin(self, customer: Customer) -> str:
        status = pin_status(customer)
        return f"{status} (start PIN sent, not changed yet)" if customer.pin_must_change else status

    @admin.display(description="change tier or status")
    def sensitive_changes(self, customer: Customer) -> SafeString:
        links = [
            change_request_link(kind, label, phone=customer.phone)
            for kind, label in (
                ("kyc_tier", "KYC tier"),
                ("freeze", "Freeze"),
                ("unfreeze", "Unfreeze or reactivate"),
            )
        ]
        return format_html_join(" · ", "{}", ((link,) for link in links))

    @admin.display(description="customer care")
    def care(self, customer: Customer) -> SafeString:
        overview = reverse("admin:wallets_customer_overview", args=[customer.pk])
        reset = reverse("admin:wallets_customer_reset_pin", args=[customer.pk])
        return format_html(
            '<a href="{}">Overview (360)</a> · <a href="{}">Reset PIN after an ID check</a>',
            overview,
            reset,
        )

    # The back-office roles (backoffice/roles.py) grant these two on their own, so support can
    # unlock and reset PINs without the right to edit a customer.
    def has_unlock_pin_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("wallets.unlock_pin") or self.has_change_permission(request)

    def has_reset_pin_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("wallets.reset_pin") or self.has_change_permission(request)

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        own = [
            path(
                "<path:object_id>/overview/",
                wrap(self.overview_view),
                name="wallets_customer_overview",
            ),
            path(
                "<path:object_id>/reset-pin/",
                wrap(self.reset_pin_view),
                name="wallets_customer_reset_pin",
            ),
        ]
        return own + super().get_urls()

    def overview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return customer_care.overview(self, request, object_id)

    @method_decorator(sensitive_post_parameters("id_number"))
    def reset_pin_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return customer_care.reset_pin(self, request, object_id)

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
        description="Unlock PIN (after checking the customer's identity)",
        permissions=["unlock_pin"],
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
