"""Operators in the back office: connections (editable, no secrets), requests and callbacks
(read-only: they change only through the services, as the operator reports)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from operators import reconciliation, services
from operators.models import (
    Break,
    BreakState,
    Operator,
    OperatorCallback,
    OperatorRequest,
    Reconciliation,
)
from wallets.admin.common import ReadOnlyPermissions, money
from wallets.forms import DecisionActionForm


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


class BreakInline(ReadOnlyPermissions, admin.TabularInline):
    model = Break
    fields = readonly_fields = (
        "kind",
        "reference",
        "our_amount",
        "their_amount",
        "their_status",
        "state",
    )
    extra = 0


@admin.register(Reconciliation)
class ReconciliationAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = ["day", "operator", "lines", "matched", "auto_resolved", "breaks", "duration_ms"]
    list_filter = ["operator"]
    readonly_fields = [field.name for field in Reconciliation._meta.fields]
    inlines = [BreakInline]
    actions = ["run_again"]

    @admin.action(description="Reconcile the day again (fetches the statement)")
    def run_again(self, request: HttpRequest, queryset: QuerySet[Reconciliation]) -> None:
        for run in queryset:
            again = reconciliation.reconcile_day(run.operator, run.day)
            self.message_user(request, f"{again}", messages.INFO)


@admin.register(Break)
class BreakAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    """Maker-checker: one staff member proposes how a break is resolved (typed in the action
    bar), and a different one approves it."""

    list_display = [
        "id",
        "reconciliation",
        "kind",
        "reference",
        "our_amount",
        "their_amount",
        "state",
        "proposed_by",
        "approved_by",
    ]
    list_filter = ["state", "kind", "reconciliation__operator"]
    search_fields = ["reference", "operator_reference"]
    readonly_fields = [field.name for field in Break._meta.fields]
    action_form = DecisionActionForm
    actions = ["propose", "approve"]

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("operators.change_break")

    @admin.action(description="Propose a resolution (write it as the note)", permissions=["decide"])
    def propose(self, request: HttpRequest, queryset: QuerySet[Break]) -> None:
        note = request.POST.get("note", "").strip()
        if not note:
            self.message_user(request, "Write the proposed resolution as the note.", messages.ERROR)
            return
        for found in queryset.filter(state=BreakState.OPEN):
            reconciliation.propose(found=found, staff=request.user, proposal=note)
        self.message_user(request, "Proposed; a second staff member must approve.", messages.INFO)

    @admin.action(
        description="Approve the proposed resolution (another staff member)", permissions=["decide"]
    )
    def approve(self, request: HttpRequest, queryset: QuerySet[Break]) -> None:
        for found in queryset.filter(state=BreakState.PROPOSED):
            try:
                reconciliation.approve(found=found, staff=request.user)
            except PermissionError as error:
                self.message_user(request, f"#{found.pk}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"#{found.pk} resolved.", messages.SUCCESS)
