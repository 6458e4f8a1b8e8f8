"""Operators we move money to and from, and every request we make of them.

A request is written before any HTTP call, with a UUID `reference` the operator dedupes on
(MoMo's X-Reference-Id, Daraja's OriginatorConversationID), so a crash or a retry never asks
twice for new money. Its state only moves forward: pending -> succeeded | failed, or
pending -> unknown (a timeout: the money may have moved) -> succeeded | failed once a status
query, a late callback or the statement says so. A payout's money stays on hold until then.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OperatorKind(models.TextChoices):
    DARAJA = "daraja", "M-Pesa Daraja"
    MOMO = "momo", "MTN MoMo"


class Operator(models.Model):
    """One operator connection. Credentials are read from the environment variables named
    `OPERATOR_<CODE>_<NAME>` (see operators.conf), never stored here."""

    code = models.SlugField(max_length=20, unique=True, help_text='e.g. "mpesa"')
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=OperatorKind.choices)
    base_url = models.URLField(help_text="The operator's API root (or the simulator's).")
    shortcode = models.CharField(max_length=20, blank=True, help_text="Daraja business number.")
    currency = models.CharField(max_length=3, default="KES")
    callback_base_url = models.URLField(
        help_text="Our public root the operator calls back, e.g. https://api.example.com"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RequestKind(models.TextChoices):
    COLLECTION = "collection", "Top-up (collection from the customer)"
    PAYOUT = "payout", "Withdrawal (payout to the customer)"


class RequestState(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    UNKNOWN = "unknown", "Unknown: being checked"


FINAL_STATES = (RequestState.SUCCEEDED, RequestState.FAILED)


class OperatorRequest(models.Model):
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="requests")
    kind = models.CharField(max_length=10, choices=RequestKind.choices)
    wallet = models.ForeignKey(
        "wallets.Account", on_delete=models.PROTECT, related_name="operator_requests"
    )
    phone = models.CharField(max_length=16)
    amount = models.BigIntegerField()
    fee = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    idempotency_key = models.CharField(max_length=200, unique=True)
    state = models.CharField(
        max_length=10, choices=RequestState.choices, default=RequestState.PENDING
    )
    reason = models.CharField(max_length=40, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    operator_reference = models.CharField(max_length=64, blank=True)
    hold = models.OneToOneField(
        "wallets.Hold", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    transaction = models.OneToOneField(
        "wallets.Transaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="operator_request",
    )
    metadata = models.JSONField(
        default=dict, blank=True, help_text="Copied into the posting (e.g. the agent served)."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Status queries made.")
    next_check_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was still open after the checks allowed."
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="operator_request_positive"),
            models.CheckConstraint(
                condition=~Q(state="succeeded") | Q(transaction__isnull=False),
                name="operator_request_success_posted",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_check_at"],
                condition=Q(state__in=["pending", "unknown"]),
                name="operator_request_to_check",
            ),
            # Reconciliation reads an operator's requests of one day.
            models.Index(fields=["operator", "created_at"], name="operator_request_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"


class OperatorCallback(models.Model):
    """Every callback received, as it came (minus secrets), matched to its request or not."""

    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="callbacks")
    kind = models.CharField(max_length=20)
    request = models.ForeignKey(
        OperatorRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="callbacks"
    )
    body = models.TextField()
    outcome = models.CharField(max_length=20, blank=True)
    problem = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.operator.code} {self.kind} {self.received_at:%Y-%m-%d %H:%M:%S}"


class Reconciliation(models.Model):
    """One operator's statement for one day, compared with our requests."""

    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="days")
    day = models.DateField()
    lines = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    auto_resolved = models.PositiveIntegerField(default=0)
    breaks = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0, help_text="How long it took.")
    ran_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "operator"]
        constraints = [
            models.UniqueConstraint(fields=["operator", "day"], name="reconciliation_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.operator.code} {self.day}: {self.breaks} break(s)"


class BreakKind(models.TextChoices):
    MISSING_ON_OURS = "missing_ours", "On their statement, not in our ledger"
    MISSING_ON_THEIRS = "missing_theirs", "In our ledger, not on their statement"
    AMOUNT_MISMATCH = "amount", "Amounts differ"
    STATUS_MISMATCH = "status", "They say it succeeded, we recorded a failure (or the reverse)"


class BreakState(models.TextChoices):
    OPEN = "open", "Open"
    PROPOSED = "proposed", "Resolution proposed: waiting for a second person"
    RESOLVED = "resolved", "Resolved"


class Resolution(models.TextChoices):
    """What approving a break does (operators.breaks)."""

    SETTLE_THEIRS = "settle_theirs", "Settle the request as the operator reports it"
    FAIL = "fail", "Record the request as failed (releases held money)"
    CREDIT_LATE = "credit_late", "Credit the customer the top-up we recorded as failed"
    SUSPENSE = "suspense", "Book the difference at the operator to suspense"
    NOTHING = "nothing", "No posting (the note says why)"


class Break(models.Model):
    """A difference reconciliation could not settle safely; people resolve it, two of them
    (maker-checker): one proposes, a different one approves."""

    reconciliation = models.ForeignKey(
        Reconciliation, on_delete=models.PROTECT, related_name="found"
    )
    kind = models.CharField(max_length=20, choices=BreakKind.choices)
    reference = models.CharField(max_length=64)
    request = models.ForeignKey(
        OperatorRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="breaks"
    )
    operator_reference = models.CharField(max_length=64, blank=True)
    our_amount = models.BigIntegerField(null=True, blank=True)
    their_amount = models.BigIntegerField(null=True, blank=True)
    their_status = models.CharField(max_length=20, blank=True)
    their_kind = models.CharField(max_length=20, blank=True, help_text="collection or payout")
    state = models.CharField(max_length=10, choices=BreakState.choices, default=BreakState.OPEN)
    resolution = models.CharField(max_length=20, choices=Resolution.choices, blank=True)
    proposal = models.CharField(max_length=300, blank=True, help_text="The maker's note.")
    proposed_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    transaction = models.ForeignKey(
        "wallets.Transaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="What approving the resolution posted.",
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reconciliation", "kind", "reference"], name="break_once_per_day"
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("proposed_by")),
                name="break_maker_is_not_checker",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reference}"


class TrustBankBalance(models.Model):
    """A trust bank's statement balance, entered by finance (from the bank's statement)."""

    bank = models.CharField(max_length=60, help_text="e.g. KCB trust account 1234")
    currency = models.CharField(max_length=3, default="KES")
    balance = models.BigIntegerField(help_text="Minor units, as the bank's statement says.")
    as_of = models.DateField()
    entered_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-as_of", "bank"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "currency", "as_of"], name="trust_balance_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.bank} {self.as_of}"


class SafeguardingCheck(models.Model):
    """One run of the safeguarding check for a currency: is every unit of e-money covered?

    - e_money: customer wallets, agent floats and commissions (what we owe the public);
    - ledger_backing: what the trust, issuance and settlement accounts say backs it;
    - bank_declared and at_operators: the trust banks' latest statements (entered by
      finance) and our settlement mirrors (reconciled daily with each operator);
    - shortfall: the largest gap found (0 when covered). `signature` is an HMAC of the
      figures, so a report altered afterwards shows."""

    currency = models.CharField(max_length=3)
    ran_at = models.DateTimeField(default=timezone.now)
    e_money = models.BigIntegerField()
    ledger_backing = models.BigIntegerField()
    at_operators = models.BigIntegerField()
    bank_declared = models.BigIntegerField(null=True, blank=True)
    bank_as_of = models.DateField(null=True, blank=True)
    shortfall = models.BigIntegerField(default=0)
    detail = models.JSONField(default=dict)
    signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["-ran_at"]
        indexes = [models.Index(fields=["currency", "-ran_at"], name="safeguarding_latest")]

    def __str__(self) -> str:
        state = "covered" if not self.shortfall else f"SHORT {self.shortfall}"
        return f"{self.currency} {self.ran_at:%Y-%m-%d %H:%M}: {state}"
