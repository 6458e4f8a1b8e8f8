"""Aggregators, agents and stores."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import F, Model, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from agents import services
from agents.forms import IssueFloatForm, issued_amount
from agents.models import (
    Agent,
    AgentDocument,
    Aggregator,
    CashCount,
    CashDrawer,
    Flag,
    Store,
)
from agents.services.network import free_agent_number, open_accounts
from wallets.admin.common import (
    ChangedByApproval,
    ReadOnlyPermissions,
    admin_link,
    change_request_link,
    money,
)
from wallets.errors import LedgerError

STATEMENT_LINES = 10


def balance(account: Any) -> str:
    return money(account.balance, account.currency)


class AccountOwnerAdmin(admin.ModelAdmin):
    """An aggregator or agent: its accounts are opened with it, then only shown."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.float_account, obj.commission_account = open_accounts(obj_currency(obj))
        super().save_model(request, obj, form, change)

    @admin.display(description="float")
    def float_balance(self, obj: Aggregator | Agent) -> str:
        return balance(obj.float_account) if obj.pk else "-"

    @admin.display(description="commission")
    def commission_balance(self, obj: Aggregator | Agent) -> str:
        return balance(obj.commission_account) if obj.pk else "-"

    @admin.display(description="accounts")
    def accounts(self, obj: Aggregator | Agent) -> SafeString | str:
        if not obj.pk:
            return "opened when saved"
        return format_html_join(
            " ", "{}", ((admin_link(a),) for a in (obj.float_account, obj.commission_account))
        )


def obj_currency(obj: Model) -> str:
    """An agent holds its aggregator's currency; an aggregator the market's."""
    if isinstance(obj, Agent):
        return obj.aggregator.currency
    return str(settings.DEFAULT_CURRENCY)


@admin.register(Aggregator)
class AggregatorAdmin(ChangedByApproval, AccountOwnerAdmin):
    list_display = ["name", "phone", "status", "share", "float_balance", "commission_balance"]
    list_filter = ["status"]
    search_fields = ["name", "phone"]
    fields = [
        "name",
        "phone",
        "language",
        "status",
        "status_change",
        "commission_share",
        "accounts",
    ]
    readonly_fields = ["accounts", "status_change"]
    approved_fields = ("status",)

    @admin.display(description="change the status")
    def status_change(self, aggregator: Aggregator) -> SafeString | str:
        if not aggregator.pk:
            return "-"
        return change_request_link(
            "agent_status",
            "Request it (a second person approves)",
            level="aggregator",
            ref=aggregator.name,
        )

    actions = ["issue_float"]
    action_form = IssueFloatForm

    @admin.display(description="share")
    def share(self, aggregator: Aggregator) -> str:
        return f"{aggregator.commission_share / 100:g}%"

    def has_issue_float_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("agents.change_aggregator")

    @admin.action(description="Issue float (the amount typed here)", permissions=["issue_float"])
    def issue_float(self, request: HttpRequest, queryset: QuerySet[Aggregator]) -> None:
        try:
            amount = issued_amount(request.POST.get("amount", ""))
        except ValidationError as error:
            self.message_user(request, f"Issue float: {error.messages[0]}", messages.ERROR)
            return
        key = request.POST.get("request_key", "") or "no-key"
        for aggregator in queryset:
            try:
                posted = services.issue_aggregator_float(
                    aggregator=aggregator,
                    amount=amount,
                    idempotency_key=f"admin:issue-float:{key}:{aggregator.pk}",
                    initiator=request.user.get_username(),
                )
            except LedgerError as error:
                self.message_user(request, f"{aggregator}: {error.text}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{aggregator}: {money(posted.amount, posted.currency)} issued "
                    f"({posted.reference}).",
                    messages.SUCCESS,
                )


class StoreInline(admin.TabularInline):
    model = Store
    extra = 0
    fields = ["store_number", "name", "location", "status", "expected_cash"]
    readonly_fields = ["status", "expected_cash"]  # a status changes by maker-checker only
    show_change_link = True
    can_delete = False

    @admin.display(description="expected cash")
    def expected_cash(self, store: Store) -> str:
        drawer = CashDrawer.objects.filter(store=store).first() if store.pk else None
        return money(drawer.expected, store.agent.currency) if drawer else "-"


class AgentDocumentInline(admin.TabularInline):
    model = AgentDocument
    extra = 0
    fields = ["kind", "number", "reference", "notes", "verified_by", "verified_at"]
    readonly_fields = ["verified_by", "verified_at"]


class FlagInline(ReadOnlyPermissions, admin.TabularInline):
    model = Flag
    extra = 0
    fields = readonly_fields = ("kind", "customer", "withheld", "created_at", "reviewed_at")
    show_change_link = True


class LiquidityFilter(admin.SimpleListFilter):
    """The liquidity view: agents whose float, or a store's expected cash, is below their
    alert threshold (they cannot serve deposits, or withdrawals, for long)."""

    title = "liquidity"
    parameter_name = "liquidity"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("low_float", "Float below threshold"), ("low_cash", "Cash below threshold")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Agent]) -> QuerySet[Agent]:
        if self.value() == "low_float":
            return queryset.filter(
                low_float_threshold__gt=0, float_account__balance__lt=F("low_float_threshold")
            )
        if self.value() == "low_cash":
            return queryset.filter(
                low_cash_threshold__gt=0,
                stores__drawer__expected__lt=F("low_cash_threshold"),
            ).distinct()
        return queryset


@admin.register(Agent)
class AgentAdmin(ChangedByApproval, AccountOwnerAdmin):
    list_display = [
        "agent_number",
        "business_name",
        "aggregator",
        "status",
        "float_balance",
        "commission_balance",
        "open_flags",
    ]
    list_filter = [LiquidityFilter, "status", "aggregator"]
    search_fields = ["agent_number", "business_name", "phone"]
    list_select_related = ["aggregator", "float_account", "commission_account"]
    fieldsets = [
        (None, {"fields": ["aggregator", "agent_number", "business_name", "phone", "language"]}),
        ("Status and money", {"fields": ["status", "status_change", "accounts", "float_balance",
                                         "commission_balance", "statement"]}),
        ("Limits (minor units; empty for none)", {"fields": [
            "cash_in_max_per_transaction", "cash_in_max_daily",
            "cash_out_max_per_transaction", "cash_out_max_daily", "float_credit_daily",
        ]}),
        ("Alerts (minor units)", {"fields": ["low_float_threshold", "low_cash_threshold"]}),
    ]  # fmt: skip
    readonly_fields = ["accounts", "float_balance", "commission_balance", "statement",
                       "status_change"]  # fmt: skip
    approved_fields = ("status",)
    inlines = [StoreInline, AgentDocumentInline, FlagInline]

    @admin.display(description="change the status")
    def status_change(self, agent: Agent) -> SafeString | str:
        if not agent.pk:
            return "-"
        return change_request_link(
            "agent_status",
            "Request it (a second person approves)",
            level="agent",
            ref=agent.agent_number,
        )

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"agent_number": free_agent_number()} | super().get_changeform_initial_data(request)

    @admin.display(description="open flags")
    def open_flags(self, agent: Agent) -> int:
        return agent.flags.filter(reviewed_at__isnull=True).count()

    @admin.display(description="float statement (latest first)")
    def statement(self, agent: Agent) -> SafeString | str:
        if not agent.pk:
            return "-"
        lines = services.agent_statement(agent=agent, limit=STATEMENT_LINES)
        if not lines:
            return "No postings yet."
        return format_html_join(
            "\n",
            "<div>{} {} {} {} → {}</div>",
            (
                (
                    line.created_at.strftime("%Y-%m-%d %H:%M"),
                    line.reference,
                    line.kind,
                    money(line.amount, agent.currency),
                    money(line.balance_after, agent.currency),
                )
                for line in lines
            ),
        )


class CashCountInline(ReadOnlyPermissions, admin.TabularInline):
    model = CashCount
    extra = 0
    fields = readonly_fields = ("counted_at", "counted_by", "counted", "expected", "variance")


@admin.register(Store)
class StoreAdmin(ChangedByApproval, admin.ModelAdmin):
    list_display = ["__str__", "agent", "status", "expected_cash"]
    list_filter = ["status"]
    search_fields = ["name", "store_number", "agent__agent_number", "agent__business_name"]
    list_select_related = ["agent", "drawer", "agent__float_account"]
    fields = [
        "agent",
        "store_number",
        "name",
        "location",
        "status",
        "status_change",
        "expected_cash",
        "opening",
    ]
    readonly_fields = ["expected_cash", "opening", "status_change"]
    approved_fields = ("status",)
    inlines = [CashCountInline]

    @admin.display(description="change the status")
    def status_change(self, store: Store) -> SafeString | str:
        if not store.pk:
            return "-"
        return change_request_link(
            "agent_status",
            "Request it (a second person approves)",
            level="store",
            ref=f"{store.agent.agent_number}/{store.store_number}",
        )

    @admin.display(description="expected cash")
    def expected_cash(self, store: Store) -> str:
        drawer = CashDrawer.objects.filter(store=store).first() if store.pk else None
        return money(drawer.expected, store.agent.currency) if drawer else "-"

    @admin.display(description="opening count")
    def opening(self, store: Store) -> str:
        drawer = CashDrawer.objects.filter(store=store).first() if store.pk else None
        if drawer is None:
            return "-"
        return f"{money(drawer.opening_count, store.agent.currency)} at {drawer.opened_at:%c}"
