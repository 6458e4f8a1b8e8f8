"""A change request: one sensitive change, asked for by one staff member (the maker) and
approved or rejected by another (the checker).

The row records the exact change (`payload`, checked and normalised by its kind when asked),
why (`reason`), who asked and who decided, and what applying it did (`result`, `transaction`).
Only approval applies it, through the same services as everything else, exactly once:

    pending -> applying -> approved | failed
    pending -> rejected

`applying` is the checker's claim, taken with a conditional UPDATE, so two approvals at the same
moment cannot both apply. The database refuses any other move, any edit of what was asked, a
checker who is the maker, and deleting a request (migration 0002): this is part of the audit
trail. What each kind means lives in `approvals.kinds`; the writes in `approvals.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class ChangeKind(models.TextChoices):
    ADJUSTMENT = "adjustment", "Manual adjustment (to or from suspense)"
    FORCED_REVERSAL = "forced_reversal", "Forced reversal"
    KYC_TIER = "kyc_tier", "KYC tier change"
    FREEZE = "freeze", "Freeze a wallet"
    UNFREEZE = "unfreeze", "Unfreeze or reactivate a wallet"
    AGENT_STATUS = "agent_status", "Agent network suspension or reactivation"
    TIER_LIMIT = "tier_limit", "New limits for a KYC tier"
    TARIFF = "tariff", "New fee tariff"
    BREAK_RESOLUTION = "break_resolution", "Reconciliation break resolution"
    MERCHANT_STATUS = "merchant_status", "Merchant suspension, reactivation or closure"


class ChangeState(models.TextChoices):
    PENDING = "pending", "Pending: waiting for a checker"
    APPLYING = "applying", "Approved, being applied"
    APPROVED = "approved", "Approved and applied"
    REJECTED = "rejected", "Rejected"
    FAILED = "failed", "Approved, but could not be applied"


DECIDED_STATES = (ChangeState.APPLYING, ChangeState.APPROVED, ChangeState.FAILED)
FINAL_STATES = (ChangeState.APPROVED, ChangeState.REJECTED, ChangeState.FAILED)


def kind_permissions() -> tuple[tuple[str, str], ...]:
    """Two permissions per kind, for the back-office groups to grant separately."""
    return tuple(
        (f"{action}_{kind.value}", f"Can {action}: {kind.label}")
        for kind in ChangeKind
        for action in ("request", "approve")
    )


class ChangeRequest(models.Model):
    kind = models.CharField(max_length=32, choices=ChangeKind.choices)
    # What the change is about (a customer, a transaction, an agent), when it is one row.
    target_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    payload = models.JSONField(help_text="The exact change, as its kind normalised it.")
    description = models.CharField(
        max_length=300, help_text="What the checker is asked to approve, in one line."
    )
    reason = models.TextField()
    maker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(
        max_length=10, choices=ChangeState.choices, default=ChangeState.PENDING
    )
    decision_note = models.TextField(blank=True)
    result = models.TextField(blank=True, help_text="What applying did, or why it could not.")
    transaction = models.ForeignKey(
        "wallets.Transaction", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    # When applying last started: a claim left by a crashed worker may be taken over after
    # `services.APPLY_LEASE` (applying is idempotent, so finishing it twice changes nothing).
    claimed_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        permissions = kind_permissions()
        constraints = [
            models.CheckConstraint(
                condition=Q(checker__isnull=True) | ~Q(checker=F("maker")),
                name="change_checker_is_not_maker",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="change_reason_given"),
            models.CheckConstraint(
                condition=(Q(state=ChangeState.PENDING) & Q(checker__isnull=True))
                | (~Q(state=ChangeState.PENDING) & Q(checker__isnull=False)),
                name="change_decided_by_a_checker",
            ),
            models.CheckConstraint(
                condition=Q(transaction__isnull=True) | Q(state=ChangeState.APPROVED),
                name="change_posts_only_when_approved",
            ),
            models.CheckConstraint(
                condition=Q(applied_at__isnull=True) | Q(state=ChangeState.APPROVED),
                name="change_applied_only_when_approved",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "kind"]),
            models.Index(fields=["target_type", "target_id"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} ({self.get_state_display()})"

    @property
    def approve_permission(self) -> str:
        return f"{self._meta.app_label}.approve_{self.kind}"

    @property
    def request_permission(self) -> str:
        return f"{self._meta.app_label}.request_{self.kind}"
