"""Accounts, transactions (with their postings) and holds: read-only views of the ledger.

The only write here is the "Reverse" action, which posts a new reversing transaction through
`wallets.services.reverse_transaction`; domain refusals come back as error messages.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from wallets import services
from wallets.admin.common import ReadOnlyPermissions, admin_link, money
from wallets.forms import ReverseActionForm
from wallets.models import Account, Hold, Posting, Transaction, TransactionKind


@admin.register(Account)
class AccountAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = ["__str__", "balance_shown", "held_shown", "created_at"]
    list_filter = ["kind", "currency"]
    search_fields = ["code", "customer__phone", "customer__name"]
    list_select_related = ["customer"]
    show_full_result_count = False
    fields = readonly_fields = (
        "kind",
        "currency",
        "owner",
        "code",
        "balance_shown",
        "held_shown",
        "available_shown",
        "chain_length",
        "chain_head",
        "created_at",
        "recent_postings",
    )

    @admin.display(description="owner")
    def owner(self, account: Account) -> SafeString | str:
        return admin_link(account.customer) if account.customer_id else "house account"

    @admin.display(description="balance")
    def balance_shown(self, account: Account) -> str:
        return money(account.current_balance(), account.currency)

    @admin.display(description="held")
    def held_shown(self, account: Account) -> str:
        return money(account.held, account.currency)

    @admin.display(description="available")
    def available_shown(self, account: Account) -> str:
        return money(account.current_balance() - account.held, account.currency)

    @admin.display(description="recent postings")
    def recent_postings(self, account: Account) -> SafeString | str:
        if account.is_house:
            return "House accounts have no running statement; see their transactions."
        lines = services.statement(account, limit=20)
        if not lines:
            return "none yet"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"{timezone.localtime(line.created_at):%Y-%m-%d %H:%M}",
                    line.reference,
                    line.counterparty,
                    money(line.amount, account.currency),
                    money(line.balance_after, account.currency),
                )
                for line in lines
            ),
        )
        return format_html(
            "<table><tr><th>at</th><th>reference</th><th>with</th><th>amount</th>"
            "<th>balance after</th></tr>{}</table>",
            rows,
        )


class PostingInline(ReadOnlyPermissions, admin.TabularInline):
    model = Posting
    extra = 0
    fields = readonly_fields = ("debit", "credit", "amount_shown")
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Posting]:
        return (
            super()
            .get_queryset(request)
            .select_related("transaction", "debit_account__customer", "credit_account__customer")
        )

    @admin.display(description="from (debit)")
    def debit(self, posting: Posting) -> SafeString | str:
        return admin_link(posting.debit_account)

    @admin.display(description="to (credit)")
    def credit(self, posting: Posting) -> SafeString | str:
        return admin_link(posting.credit_account)

    @admin.display(description="amount")
    def amount_shown(self, posting: Posting) -> str:
        return money(posting.amount, posting.transaction.currency)


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = [
        "reference",
        "kind_shown",
        "status",
        "channel",
        "amount_shown",
        "fee_shown",
        "created_at",
    ]
    list_filter = ["kind", "status", "channel"]
    search_fields = ["^reference"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = readonly_fields = (
        "reference",
        "kind_shown",
        "status",
        "channel",
        "initiator",
        "amount_shown",
        "fee_shown",
        "created_at",
        "reverses_link",
        "reversed_by",
        "metadata",
        "idempotency_key",
        "anchor_account",
        "chain_sequence",
        "hash",
    )
    inlines = [PostingInline]
    actions = ["reverse"]
    action_form = ReverseActionForm

    @admin.display(description="kind", ordering="kind")
    def kind_shown(self, transaction: Transaction) -> str:
        if transaction.kind in TransactionKind.values:
            return TransactionKind(transaction.kind).label
        return transaction.kind

    @admin.display(description="amount")
    def amount_shown(self, transaction: Transaction) -> str:
        return money(transaction.amount, transaction.currency)

    @admin.display(description="fee")
    def fee_shown(self, transaction: Transaction) -> str:
        return money(transaction.fee, transaction.currency)

    @admin.display(description="reverses")
    def reverses_link(self, transaction: Transaction) -> SafeString | str:
        return admin_link(transaction.reverses)

    @admin.display(description="reversed by")
    def reversed_by(self, transaction: Transaction) -> SafeString | str:
        return admin_link(Transaction.objects.filter(reverses=transaction).first())

    def has_reverse_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("approvals.request_forced_reversal")

    @admin.action(
        description="Request a reversal (a second person approves; give a reason)",
        permissions=["reverse"],
    )
    def reverse(self, request: HttpRequest, queryset: QuerySet[Transaction]) -> None:
        """Staff reverse a transaction only through maker-checker: this asks; another
        staff member approves in Change requests, and only then is the mirror posted."""
        from approvals.services import request_change  # the admin asks; approvals applies

        reason = request.POST.get("reason", "").strip()
        if not reason:
            self.message_user(request, "Give a reason to reverse a transaction.", messages.ERROR)
            return
        for original in queryset:
            try:
                change = request_change(
                    kind="forced_reversal",
                    maker=request.user,
                    reason=reason,
                    payload={"reference": original.reference},
                )
            except (ValidationError, PermissionDenied) as error:
                text = "; ".join(getattr(error, "messages", [str(error)]))
                self.message_user(request, f"{original.reference}: {text}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{original.reference}: reversal requested (change request #{change.pk});"
                    " another staff member must approve it.",
                    messages.SUCCESS,
                )


@admin.register(Hold)
class HoldAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = ["id", "account", "amount_shown", "state", "reason", "deadline", "ended_at"]
    list_filter = ["state"]
    search_fields = ["idempotency_key", "reason", "account__customer__phone", "account__code"]
    list_select_related = ["account__customer"]
    show_full_result_count = False
    fields = readonly_fields = (
        "account",
        "amount_shown",
        "state",
        "reason",
        "idempotency_key",
        "deadline",
        "created_at",
        "ended_at",
        "end_reason",
        "transaction",
    )

    @admin.display(description="amount")
    def amount_shown(self, hold: Hold) -> str:
        return money(hold.amount, hold.account.currency)
