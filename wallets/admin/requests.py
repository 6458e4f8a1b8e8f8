"""Reversal requests (the recipient answers them) and payment requests (read-only).

Staff cannot return held money on their own: "Force" asks for a maker-checker change
(approvals, kind "forced_reversal") that a second staff member approves. "Reject" closes a
case and releases the hold (it moves no money to anyone) through
`wallets.services.reject_reversal`; the note typed in the action bar is recorded with it. Who
may act is the model's "change" permission.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString

from wallets import services
from wallets.admin.common import ReadOnlyPermissions, admin_link, money
from wallets.errors import LedgerError
from wallets.forms import DecisionActionForm
from wallets.models import PaymentRequest, ReversalRequest, ReversalState

MAKER_CHECKER_UNAVAILABLE = (
    "Maker-checker is not available (the approvals app is missing): a reversal cannot be forced."
)


@admin.register(ReversalRequest)
class ReversalRequestAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = [
        "id",
        "original",
        "requested_by",
        "original_amount",
        "held_shown",
        "state",
        "created_at",
        "hold_deadline",
    ]
    list_filter = ["state"]
    search_fields = ["original__reference", "requested_by__phone"]
    list_select_related = ["original", "requested_by", "hold"]
    actions = ["force", "reject"]
    action_form = DecisionActionForm
    fields = readonly_fields = (
        "original_link",
        "requested_by",
        "channel",
        "reason",
        "original_amount",
        "held_shown",
        "hold_link",
        "hold_deadline",
        "state",
        "reversal_link",
        "decided_by",
        "decided_at",
        "decision_note",
        "created_at",
    )

    @admin.display(description="amount sent")
    def original_amount(self, request: ReversalRequest) -> str:
        return money(request.original.amount, request.original.currency)

    @admin.display(description="on hold")
    def held_shown(self, request: ReversalRequest) -> str:
        return money(request.held_amount, request.original.currency)

    @admin.display(description="hold ends")
    def hold_deadline(self, request: ReversalRequest) -> object:
        return request.hold.deadline

    @admin.display(description="transaction")
    def original_link(self, request: ReversalRequest) -> SafeString | str:
        return admin_link(request.original)

    @admin.display(description="hold")
    def hold_link(self, request: ReversalRequest) -> SafeString | str:
        return admin_link(request.hold, f"{request.hold.get_state_display()} hold")

    @admin.display(description="reversal")
    def reversal_link(self, request: ReversalRequest) -> SafeString | str:
        return admin_link(request.reversal)

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("wallets.change_reversalrequest")

    @admin.action(
        description="Force: return the held money (needs a second person to approve)",
        permissions=["decide"],
    )
    def force(self, request: HttpRequest, queryset: QuerySet[ReversalRequest]) -> None:
        """Ask for a forced reversal as a maker-checker change; another staff member's
        approval (approvals app) applies it through `approve_reversal`."""
        note = request.POST.get("note", "").strip()
        if not note:
            self.message_user(request, "Say why the reversal must be forced.", messages.ERROR)
            return
        try:  # the approvals app owns maker-checker; without it nothing may be forced
            from approvals.services import request_change
        except ImportError:
            self.message_user(request, MAKER_CHECKER_UNAVAILABLE, messages.ERROR)
            return
        for reversal_request in queryset.filter(state=ReversalState.OPEN):
            try:
                change = request_change(
                    kind="forced_reversal",
                    maker=request.user,
                    reason=note,
                    payload={"reversal_request": reversal_request.pk},
                    target=reversal_request,
                )
            except (ValidationError, PermissionDenied, LedgerError) as error:
                refused = f"#{reversal_request.pk}: {_text(error)}"
                self.message_user(request, refused, messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"#{reversal_request.pk}: change request #{change.pk} asks to force it; "
                    "another staff member must approve it.",
                    messages.SUCCESS,
                )

    @admin.action(
        description="Reject: give the held money back to the recipient (note why)",
        permissions=["decide"],
    )
    def reject(self, request: HttpRequest, queryset: QuerySet[ReversalRequest]) -> None:
        note = request.POST.get("note", "").strip()
        if not note:
            self.message_user(request, "Say why the reversal is rejected.", messages.ERROR)
            return
        for reversal_request in queryset.filter(state=ReversalState.OPEN):
            try:
                services.reject_reversal(request=reversal_request, staff=request.user, note=note)
            except LedgerError as error:
                self.message_user(request, f"#{reversal_request.pk}: {error.text}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"#{reversal_request.pk} rejected; the hold is released.",
                    messages.SUCCESS,
                )


def _text(error: Exception) -> str:
    """A refusal's readable message (a ValidationError's messages, or the error's text)."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(getattr(error, "text", "") or error)


@admin.register(PaymentRequest)
class PaymentRequestAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = ["id", "requester_name", "payer", "amount_shown", "state", "expires_at"]
    list_filter = ["state"]
    search_fields = ["payer__phone", "requester_name", "idempotency_key"]
    list_select_related = ["payer"]
    fields = readonly_fields = (
        "requester",
        "requester_name",
        "payer",
        "amount_shown",
        "note",
        "state",
        "transaction",
        "expires_at",
        "created_at",
        "answered_at",
    )

    @admin.display(description="amount")
    def amount_shown(self, payment_request: PaymentRequest) -> str:
        return money(payment_request.amount, payment_request.currency)
