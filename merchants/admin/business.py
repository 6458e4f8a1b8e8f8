"""Merchants and their tills and pay-bills.

A merchant is onboarded here: its details, KYB, fee schedule, limits, notifications and
settlement instructions are editable; its ledger account is opened when it is first saved and
then only shown (the balance changes by posting alone). Its status is never a form field: a
new merchant is pending until "Verify KYB and activate" (the onboarding check itself, held by
`merchants.verify_kyb`); suspending, reactivating or closing it is a maker-checker change
request (approvals, kind `merchant_status`), linked from the page, as for agents.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.safestring import SafeString

from merchants import services, webhooks
from merchants.admin.common import shown_once
from merchants.models import BusinessStatus, Merchant, PaymentPoint
from wallets.admin.common import admin_link, change_request_link, money
from wallets.errors import InvalidPhoneNumber
from wallets.models import Account, AccountKind
from wallets.phones import normalize_phone

MINOR_UNITS = "In minor units (cents); empty: no limit."


class PaymentPointForm(forms.ModelForm):
    class Meta:
        model = PaymentPoint
        fields = ["merchant", "kind", "number", "label", "account_pattern", "active"]

    def clean_account_pattern(self) -> str:
        pattern = str(self.cleaned_data.get("account_pattern") or "")
        try:
            re.compile(pattern)
        except re.error as error:
            raise forms.ValidationError(f"Not a valid regular expression: {error}.") from None
        return pattern


class PaymentPointInline(admin.TabularInline):
    model = PaymentPoint
    form = PaymentPointForm
    fields = ["kind", "number", "label", "account_pattern", "active"]
    extra = 0
    can_delete = False  # a number customers have paid stays on record; deactivate it instead


class MerchantForm(forms.ModelForm):
    webhook_url = forms.URLField(
        required=False,
        assume_scheme="https",
        max_length=200,
        help_text=Merchant._meta.get_field("webhook_url").help_text,
    )

    class Meta:
        model = Merchant
        fields = [
            "name",
            "display_name",
            "phone",
            "email",
            "language",
            "registration_number",
            "tax_pin",
            "contact_name",
            "address",
            "fee_kind",
            "max_per_payment",
            "max_daily_received",
            "max_daily_disbursed",
            "notify_by_sms",
            "webhook_url",
            "settlement_method",
            "settlement_operator",
            "settlement_phone",
            "bank_paybill",
            "bank_account",
            "settlement_reserve",
        ]
        help_texts = {
            "max_per_payment": MINOR_UNITS,
            "max_daily_received": MINOR_UNITS,
            "max_daily_disbursed": MINOR_UNITS,
        }

    def clean_phone(self) -> str:
        return phone_field(self.cleaned_data.get("phone"))

    def clean_settlement_phone(self) -> str:
        return phone_field(self.cleaned_data.get("settlement_phone"))


def phone_field(value: object) -> str:
    """A phone number as typed (07..., 2547..., +2547...), stored in E.164."""
    if not value:
        return ""
    try:
        return normalize_phone(str(value))
    except InvalidPhoneNumber as error:
        raise forms.ValidationError(error.text) from None


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    form = MerchantForm
    list_display = [
        "name",
        "display_name",
        "numbers",
        "status",
        "fee_kind",
        "balance",
        "kyb_verified_at",
    ]
    list_filter = ["status", "fee_kind", "settlement_method"]
    search_fields = ["name", "display_name", "phone", "points__number", "registration_number"]
    list_select_related = ["account"]
    inlines = [PaymentPointInline]
    readonly_fields = [
        "status",
        "status_change",
        "kyb_verified_at",
        "kyb_verified_by",
        "signing_secret",
        "account_link",
        "balance",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "display_name",
                    "phone",
                    "email",
                    "language",
                    "status",
                    "status_change",
                ]
            },
        ),
        (
            "Know your business",
            {
                "fields": [
                    "registration_number",
                    "tax_pin",
                    "contact_name",
                    "address",
                    "kyb_verified_at",
                    "kyb_verified_by",
                ]
            },
        ),
        (
            "Fees and limits",
            {
                "fields": [
                    "fee_kind",
                    "max_per_payment",
                    "max_daily_received",
                    "max_daily_disbursed",
                ]
            },
        ),
        ("Notifications", {"fields": ["notify_by_sms", "webhook_url", "signing_secret"]}),
        (
            "Settlement",
            {
                "fields": [
                    "settlement_method",
                    "settlement_operator",
                    "settlement_phone",
                    "bank_paybill",
                    "bank_account",
                    "settlement_reserve",
                ]
            },
        ),
        ("Account", {"fields": ["account_link", "balance"]}),
    ]
    actions = ["verify_kyb", "new_signing_secret"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Merchant]:
        return super().get_queryset(request).prefetch_related("points")

    def save_model(self, request: HttpRequest, obj: Merchant, form: Any, change: bool) -> None:
        if not change:  # its account is opened with it, empty; it waits for KYB
            obj.account = Account.objects.create(
                kind=AccountKind.MERCHANT, currency=settings.DEFAULT_CURRENCY
            )
            obj.status = BusinessStatus.PENDING
            obj.webhook_secret = webhooks.new_signing_secret()
        super().save_model(request, obj, form, change)

    @admin.display(description="tills and pay-bills")
    def numbers(self, merchant: Merchant) -> str:
        return ", ".join(point.number for point in merchant.points.all()) or "-"

    @admin.display(description="balance")
    def balance(self, merchant: Merchant) -> str:
        if not merchant.pk:
            return "-"
        return money(merchant.account.balance, merchant.account.currency)

    @admin.display(description="account")
    def account_link(self, merchant: Merchant) -> SafeString | str:
        return admin_link(merchant.account) if merchant.pk else "opened when saved"

    @admin.display(description="change the status")
    def status_change(self, merchant: Merchant) -> SafeString | str:
        if not merchant.pk:
            return "-"
        if merchant.status == BusinessStatus.CLOSED:
            return "closed for good"
        # A till or pay-bill number names the merchant surely; a name may be shared.
        numbers = [point.number for point in merchant.points.all()]
        return change_request_link(
            "merchant_status",
            "Request it (a second person approves)",
            ref=numbers[0] if numbers else merchant.name,
        )

    @admin.display(description="webhook signing secret")
    def signing_secret(self, merchant: Merchant) -> str:
        return "shown once by the action “New webhook signing secret”"

    def has_verify_kyb_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("merchants.verify_kyb")

    @admin.action(description="Verify KYB and activate", permissions=["verify_kyb"])
    def verify_kyb(self, request: HttpRequest, queryset: QuerySet[Merchant]) -> None:
        for merchant in queryset:
            verified = services.verify_kyb(merchant=merchant, by=request.user)  # type: ignore[arg-type]
            status = verified.get_status_display()
            self.message_user(request, f"{verified}: KYB verified; {status}.", messages.SUCCESS)

    @admin.action(description="New webhook signing secret (shown once)", permissions=["change"])
    def new_signing_secret(
        self, request: HttpRequest, queryset: QuerySet[Merchant]
    ) -> TemplateResponse:
        shown = [
            (merchant, "X-Signature", webhooks.rotate_signing_secret(merchant))
            for merchant in queryset
        ]
        return shown_once(
            self,
            request,
            title="Webhook signing secrets",
            intro="Each business checks the X-Signature header of our webhooks with its secret; "
            "the old secret stopped signing now.",
            shown=shown,
        )


@admin.register(PaymentPoint)
class PaymentPointAdmin(admin.ModelAdmin):
    """Find a till or pay-bill by its number; they are added on the merchant's page."""

    form = PaymentPointForm
    list_display = ["number", "kind", "merchant", "label", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["number", "merchant__name", "merchant__display_name"]
    list_select_related = ["merchant"]
    autocomplete_fields = ["merchant"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
