"""Commission tables (editable data, checked band by band), and what compliance and finance
review: agent documents (verified by whom), flags, commission statements, withdrawal codes
and registrations (read-only)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from agents import services
from agents.forms import CommissionBandForm
from agents.models import (
    AgentDocument,
    CommissionBand,
    CommissionStatement,
    CommissionTable,
    Flag,
    Registration,
    WithdrawalCode,
)
from agents.services.network import verify_documents
from wallets.admin.common import ReadOnlyPermissions, admin_link, money
from wallets.forms import BandsFormSet


class CommissionBandInline(admin.TabularInline):
    model = CommissionBand
    form = CommissionBandForm
    formset = BandsFormSet
    extra = 1
    min_num = 1
    fields = ["min_amount", "max_amount", "commission", "shown_as"]
    readonly_fields = ["shown_as"]

    @admin.display(description="shown as")
    def shown_as(self, band: CommissionBand) -> str:
        if band.pk is None:
            return "-"
        currency = band.table.currency
        return (
            f"{money(band.min_amount, currency)} to {money(band.max_amount, currency)}:"
            f" commission {money(band.commission, currency)}"
        )


@admin.register(CommissionTable)
class CommissionTableAdmin(admin.ModelAdmin):
    """A change takes effect through `effective_from`: add a table dated ahead rather than
    editing the one in force, so past postings keep the commission they were paid."""

    list_display = ["__str__", "kind", "currency", "effective_from", "description"]
    list_filter = ["kind", "currency"]
    fields = ["kind", "currency", "effective_from", "description"]
    inlines = [CommissionBandInline]


@admin.register(Flag)
class FlagAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "agent",
        "customer",
        "withheld_shown",
        "transaction_link",
        "reviewed_at",
        "reviewed_by",
    ]
    list_filter = ["kind", ("reviewed_at", admin.EmptyFieldListFilter)]
    search_fields = ["agent__agent_number", "customer__phone", "transaction__reference"]
    list_select_related = ["agent", "customer", "transaction", "reviewed_by"]
    fields = readonly_fields = (
        "kind",
        "agent",
        "customer",
        "transaction_link",
        "withheld_shown",
        "details",
        "created_at",
        "reviewed_by",
        "reviewed_at",
    )
    actions = ["mark_reviewed"]

    @admin.display(description="withheld")
    def withheld_shown(self, flag: Flag) -> str:
        return money(flag.withheld, flag.transaction.currency if flag.transaction else "KES")

    @admin.display(description="transaction")
    def transaction_link(self, flag: Flag) -> str:
        return admin_link(flag.transaction)

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("agents.change_flag")

    @admin.action(description="Mark reviewed", permissions=["review"])
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        changed = services.mark_reviewed(queryset, reviewer=request.user)
        self.message_user(request, f"{changed} flag(s) marked reviewed.", messages.SUCCESS)


@admin.register(AgentDocument)
class AgentDocumentAdmin(admin.ModelAdmin):
    """KYC documents seen for agents; "verified" records who checked the original, and when."""

    list_display = ["agent", "kind", "number", "verified_by", "verified_at"]
    list_filter = ["kind", ("verified_at", admin.EmptyFieldListFilter)]
    search_fields = ["agent__agent_number", "agent__business_name", "number"]
    list_select_related = ["agent", "verified_by"]
    fields = ["agent", "kind", "number", "reference", "notes", "verified_by", "verified_at"]
    readonly_fields = ["verified_by", "verified_at"]
    actions = ["verify"]

    @admin.action(description="Mark verified (I have seen the originals)")
    def verify(self, request: HttpRequest, queryset: QuerySet[AgentDocument]) -> None:
        verified = verify_documents(queryset, verifier=request.user)
        self.message_user(request, f"{verified} document(s) verified.", messages.SUCCESS)


@admin.register(CommissionStatement)
class CommissionStatementAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = [
        "month",
        "agent",
        "cash_in_count",
        "cash_in_shown",
        "cash_out_count",
        "cash_out_shown",
        "withheld_shown",
    ]
    list_filter = ["month"]
    search_fields = ["agent__agent_number", "agent__business_name"]
    list_select_related = ["agent"]

    @admin.display(description="deposit commission")
    def cash_in_shown(self, statement: CommissionStatement) -> str:
        return money(statement.cash_in_commission, statement.currency)

    @admin.display(description="withdrawal commission")
    def cash_out_shown(self, statement: CommissionStatement) -> str:
        return money(statement.cash_out_commission, statement.currency)

    @admin.display(description="withheld")
    def withheld_shown(self, statement: CommissionStatement) -> str:
        return money(statement.withheld, statement.currency)


@admin.register(WithdrawalCode)
class WithdrawalCodeAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    """The code itself is never stored; its hash is not shown either."""

    list_display = ["created_at", "customer", "state", "expires_at", "failed_attempts", "used_at"]
    list_filter = ["state"]
    search_fields = ["customer__phone"]
    fields = readonly_fields = (
        "customer",
        "state",
        "created_at",
        "expires_at",
        "failed_attempts",
        "used_at",
        "transaction",
    )


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = ["created_at", "customer", "agent", "store", "assistant"]
    search_fields = ["customer__phone", "agent__agent_number"]
    list_select_related = ["customer", "agent", "store__agent", "assistant"]
