"""Read-only admin of sent SMS and delivery reports, searchable by phone and reference.

A start PIN (support reset) is stored sealed and shown masked (sealed.py).

A phone typed as people write it ('0712 000 002') is searched as its E.164 form.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from ussd.sms import sealed
from ussd.sms.models import DeliveryReport, InboundSms, SmsMessage
from wallets.admin.common import ReadOnlyPermissions, admin_link
from wallets.errors import InvalidPhoneNumber
from wallets.phones import normalize_phone


class PhoneSearch:
    phone_field = "to"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        try:
            phone = normalize_phone(search_term)
        except InvalidPhoneNumber:
            return super().get_search_results(request, queryset, search_term)  # type: ignore[misc]
        return queryset.filter(**{self.phone_field: phone}), False


class DeliveryReportInline(ReadOnlyPermissions, admin.TabularInline):
    model = DeliveryReport
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "received_at",
        "status",
        "failure_reason",
        "network_code",
        "phone_number",
        "outcome",
    )


@admin.register(SmsMessage)
class SmsMessageAdmin(PhoneSearch, ReadOnlyPermissions, admin.ModelAdmin):
    list_display = ["id", "to", "purpose", "reference", "state", "attempts", "created_at"]
    list_filter = ["state", "purpose", "backend", "language"]
    search_fields = ["=to", "=reference", "=provider_message_id", "=dedup_key"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = readonly_fields = (
        "to",
        "text_shown",
        "language",
        "purpose",
        "reference",
        "dedup_key",
        "state",
        "backend",
        "provider_message_id",
        "provider_status_code",
        "provider_status",
        "failure_reason",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "failed_at",
        "delivered_at",
    )
    inlines = [DeliveryReportInline]

    @admin.display(description="text")
    def text_shown(self, message: SmsMessage) -> str:
        """A start PIN waiting to be sent is a seal in the row; staff see it masked."""
        return sealed.conceal(message.text)


@admin.register(DeliveryReport)
class DeliveryReportAdmin(PhoneSearch, ReadOnlyPermissions, admin.ModelAdmin):
    phone_field = "phone_number"
    list_display = ["received_at", "provider_message_id", "status", "phone_number", "outcome"]
    list_filter = ["status", "outcome"]
    search_fields = ["=provider_message_id", "=message__reference"]
    list_select_related = ["message"]
    show_full_result_count = False
    fields = readonly_fields = (
        "message_link",
        "provider_message_id",
        "status",
        "phone_number",
        "network_code",
        "failure_reason",
        "retry_count",
        "outcome",
        "received_at",
    )

    @admin.display(description="message")
    def message_link(self, report: DeliveryReport) -> str:
        return admin_link(report.message)


@admin.register(InboundSms)
class InboundSmsAdmin(PhoneSearch, ReadOnlyPermissions, admin.ModelAdmin):
    phone_field = "phone"
    list_display = ["id", "phone", "text", "outcome", "received_at"]
    list_filter = ["outcome"]
    search_fields = ["=phone", "=provider_id", "=session_id"]
    date_hierarchy = "received_at"
    show_full_result_count = False
    fields = readonly_fields = (
        "provider_id",
        "phone",
        "to",
        "text",
        "link_id",
        "network_code",
        "provider_date",
        "outcome",
        "session_id",
        "reply",
        "received_at",
    )
