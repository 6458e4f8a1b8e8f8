"""Operators in the back office: connections (editable, no secrets), requests and callbacks
(read-only: they change only through the services, as the operator reports)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from operators import services
from operators.models import Operator, OperatorCallback, OperatorRequest
from wallets.admin.common import ReadOnlyPermissions, money


@admin.register(Operator)
class OperatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "base_url", "currency", "active"]
    list_filter = ["kind", "active"]


class CallbackInline(ReadOnlyPermissions, admin.TabularInline):
    model = OperatorCallback
    fields = readonly_fields = ("kind", "outcome", "problem", "received_at")
    extra = 0


@admin.register(OperatorRequest)
class OperatorRequestAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = [
        "reference",
        "operator",
        "kind",
        "phone",
        "amount_shown",
        "state",
        "reason",
        "created_at",
        "next_check_at",
    ]
    list_filter = ["operator", "kind", "state"]
    search_fields = ["reference", "phone", "operator_reference"]
    list_select_related = ["operator"]
    readonly_fields = [field.name for field in OperatorRequest._meta.fields]
    inlines = [CallbackInline]
    actions = ["check_now"]

    @admin.display(description="amount")
    def amount_shown(self, request: OperatorRequest) -> str:
        return money(request.amount, request.currency)

    @admin.action(description="Ask the operator now (status query)")
    def check_now(self, request: HttpRequest, queryset: QuerySet[OperatorRequest]) -> None:
        for operator_request in queryset:
            checked = services.check(operator_request)
            self.message_user(
                request, f"{checked.reference}: {checked.get_state_display()}", messages.INFO
            )


@admin.register(OperatorCallback)
class OperatorCallbackAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = ["id", "operator", "kind", "request", "outcome", "problem", "received_at"]
    list_filter = ["operator", "kind", "outcome"]
    search_fields = ["request__reference", "body"]
    readonly_fields = ["operator", "kind", "request", "body", "outcome", "problem", "received_at"]
