"""Operators in the back office: connections (editable, no secrets), requests and callbacks
(read-only: they change only through the services, as the operator reports)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from operators import breaks, reconciliation, safeguarding, services
from operators.adapters.base import OperatorError
from operators.models import (
    Break,
    BreakState,
    Operator,
    OperatorCallback,
    OperatorRequest,
    Reconciliation,
    Resolution,
    SafeguardingCheck,
    TrustBankBalance,
)
from wallets import errors
from wallets.admin.common import ReadOnlyPermissions, money


@admin.register(Operator)
class OperatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "base_url", "currency", "active"]
    list_filter = ["kind", "active"]
    actions = ["reconcile_today"]

    @admin.action(description="Reconcile today so far (fetches today's statement)")
    def reconcile_today(self, request: HttpRequest, queryset: QuerySet[Operator]) -> None:
        for operator in queryset:
            try:
                run = reconciliation.reconcile_day(operator, timezone.localdate())
            except OperatorError as error:
                self.message_user(request, f"{operator.name}: {error}", messages.ERROR)
            else:
                level = messages.SUCCESS if not run.breaks else messages.WARNING
                self.message_user(
                    request,
                    f"{operator.name}: {run.lines} lines, {run.matched} matched, "
                    f"{run.auto_resolved} settled, {run.breaks} breaks.",
                    level,
                )


class CallbackInline(ReadOnlyPermissions, admin.TabularInline):
    model = OperatorCallback
    fields = readonly_fields = ("kind", "outcome", "problem", "received_at")
    extra = 0


class EscalatedFilter(admin.SimpleListFilter):
    title = "escalated"
    parameter_name = "escalated"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("open", "Escalated and still open"), ("all", "Ever escalated")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "open":
            return queryset.filter(escalated_at__isnull=False, state__in=services.OPEN_STATES)
        if self.value() == "all":
            return queryset.filter(escalated_at__isnull=False)
        return queryset


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
    list_filter = ["operator", "kind", "state", EscalatedFilter]
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


class BreakActionForm(ActionForm):
    """The action bar of breaks: the maker chooses a resolution and writes why."""

    resolution = forms.ChoiceField(
        required=False, choices=[("", "resolution..."), *Resolution.choices]
    )
    note = forms.CharField(
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "why (for the approver)", "size": 30}),
    )


@admin.register(Break)
class BreakAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    """Maker-checker: one staff member proposes a resolution (chosen and explained in the
    action bar), a different one approves it, and only the approval moves money."""

    list_display = [
        "id",
        "reconciliation",
        "kind",
        "reference",
        "our_amount",
        "their_amount",
        "state",
        "resolution",
        "proposed_by",
        "approved_by",
    ]
    list_filter = ["state", "kind", "reconciliation__operator"]
    search_fields = ["reference", "operator_reference"]
    readonly_fields = [field.name for field in Break._meta.fields] + ["possible_resolutions"]
    action_form = BreakActionForm
    actions = ["propose", "approve", "send_back"]

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("operators.change_break")

    @admin.display(description="possible resolutions")
    def possible_resolutions(self, found: Break) -> str:
        return "; ".join(str(Resolution(r).label) for r in breaks.resolutions_for(found))

    @admin.action(description="Propose the chosen resolution", permissions=["decide"])
    def propose(self, request: HttpRequest, queryset: QuerySet[Break]) -> None:
        resolution = request.POST.get("resolution", "")
        note = request.POST.get("note", "").strip()
        if not resolution or not note:
            self.message_user(request, "Choose a resolution and write why.", messages.ERROR)
            return
        for found in queryset.filter(state=BreakState.OPEN):
            try:
                breaks.propose(found=found, staff=request.user, resolution=resolution, note=note)
            except breaks.BreakRefused as error:
                self.message_user(request, f"#{found.pk}: {error.text}", messages.ERROR)
            else:
                self.message_user(
                    request, f"#{found.pk} proposed; a second person must approve.", messages.INFO
                )

    @admin.action(
        description="Approve the proposed resolution (another staff member)", permissions=["decide"]
    )
    def approve(self, request: HttpRequest, queryset: QuerySet[Break]) -> None:
        for found in queryset.filter(state=BreakState.PROPOSED):
            try:
                breaks.approve(found=found, staff=request.user)
            except PermissionError as error:
                self.message_user(request, f"#{found.pk}: {error}", messages.ERROR)
            except errors.LedgerError as error:
                self.message_user(request, f"#{found.pk}: {error.text}", messages.ERROR)
            else:
                self.message_user(request, f"#{found.pk} resolved.", messages.SUCCESS)

    @admin.action(description="Send the proposal back (reopen)", permissions=["decide"])
    def send_back(self, request: HttpRequest, queryset: QuerySet[Break]) -> None:
        for found in queryset.filter(state=BreakState.PROPOSED):
            try:
                breaks.send_back(found=found, staff=request.user)
            except breaks.BreakRefused as error:
                self.message_user(request, f"#{found.pk}: {error.text}", messages.ERROR)
            else:
                self.message_user(request, f"#{found.pk} sent back.", messages.INFO)


@admin.register(TrustBankBalance)
class TrustBankBalanceAdmin(admin.ModelAdmin):
    """Finance enters each trust bank's statement balance; the safeguarding check uses the
    latest of each bank."""

    list_display = ["as_of", "bank", "currency", "balance_shown", "entered_by", "entered_at"]
    list_filter = ["bank", "currency"]
    fields = ["bank", "currency", "balance", "as_of"]

    @admin.display(description="balance")
    def balance_shown(self, entry: TrustBankBalance) -> str:
        return money(entry.balance, entry.currency)

    def save_model(
        self, request: HttpRequest, obj: TrustBankBalance, form: Any, change: bool
    ) -> None:
        obj.entered_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(SafeguardingCheck)
class SafeguardingCheckAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = [
        "ran_at",
        "currency",
        "e_money_shown",
        "backing_shown",
        "bank_declared_shown",
        "covered",
        "signed",
    ]
    list_filter = ["currency"]
    readonly_fields = [field.name for field in SafeguardingCheck._meta.fields] + ["signed"]
    actions = ["check_now"]

    @admin.display(description="e-money outstanding")
    def e_money_shown(self, report: SafeguardingCheck) -> str:
        return money(report.e_money, report.currency)

    @admin.display(description="ledger backing")
    def backing_shown(self, report: SafeguardingCheck) -> str:
        return money(report.ledger_backing, report.currency)

    @admin.display(description="trust banks (declared)")
    def bank_declared_shown(self, report: SafeguardingCheck) -> str:
        if report.bank_declared is None:
            return "not entered"
        return money(report.bank_declared, report.currency)

    @admin.display(description="covered", boolean=True)
    def covered(self, report: SafeguardingCheck) -> bool:
        return report.shortfall == 0

    @admin.display(description="signature valid", boolean=True)
    def signed(self, report: SafeguardingCheck) -> bool:
        return safeguarding.verify(report)

    @admin.action(description="Run the safeguarding check now")
    def check_now(self, request: HttpRequest, queryset: QuerySet[SafeguardingCheck]) -> None:
        for currency in safeguarding.currencies():
            report = safeguarding.check(currency)
            level = messages.SUCCESS if not report.shortfall else messages.ERROR
            self.message_user(request, str(report), level)
