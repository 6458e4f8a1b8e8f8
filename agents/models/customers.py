"""What agents do for customers besides moving cash: register them, and accept one-time
withdrawal codes from customers who are not holding their phone.

A withdrawal code is 6 digits and lives for minutes, so its only protection is secrecy and
the try limit: the row keeps an HMAC of it (keyed with settings.PIN_PEPPER, which is not in
the database) and never the code. It is used at most once: a conditional UPDATE from `open`
to `claimed` picks the one request that may post, and the posting's transaction is recorded
when it is `used`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class CodeState(models.TextChoices):
    OPEN = "open", "Open"
    CLAIMED = "claimed", "Claimed by a cash-out in progress"
    USED = "used", "Used"
    VOID = "void", "Void: too many wrong tries, or replaced"


class WithdrawalCode(models.Model):
    customer = models.ForeignKey(
        "wallets.Customer", on_delete=models.PROTECT, related_name="withdrawal_codes"
    )
    code_hash = models.CharField(max_length=64, editable=False)
    amount = models.BigIntegerField(
        help_text="The one amount it pays out: the customer chose it, and saw the fee."
    )
    state = models.CharField(max_length=10, choices=CodeState.choices, default=CodeState.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(
        max_length=200, blank=True, help_text="The idempotency key of the cash-out using it."
    )
    used_at = models.DateTimeField(null=True, blank=True)
    transaction = models.OneToOneField(
        "wallets.Transaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="withdrawal_code",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="used") | Q(transaction__isnull=False, used_at__isnull=False),
                name="withdrawal_code_used_has_transaction",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["open", "void"]) | ~Q(claimed_by=""),
                name="withdrawal_code_claim_has_key",
            ),
        ]
        indexes = [models.Index(fields=["customer", "-created_at"], name="withdrawal_code_latest")]

    def __str__(self) -> str:
        return f"Withdrawal code {self.pk} ({self.state})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class Registration(models.Model):
    """Which assistant registered a customer (for registration commission and audits)."""

    customer = models.OneToOneField(
        "wallets.Customer", on_delete=models.PROTECT, related_name="agent_registration"
    )
    assistant = models.ForeignKey(
        "agents.Assistant", on_delete=models.PROTECT, related_name="registrations"
    )
    store = models.ForeignKey("agents.Store", on_delete=models.PROTECT, related_name="+")
    agent = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.customer} at {self.store}"
