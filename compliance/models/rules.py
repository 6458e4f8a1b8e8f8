"""Monitoring rules as data: each row names a kind of pattern and its thresholds.

A rule's kind picks the function in `compliance.rules` that evaluates it; the typed fields
below are that function's parameters. Which fields a kind needs is written once, in
`REQUIRED_FIELDS`, and checked by `Rule.clean` (the admin form) and by the engine, which skips
a rule it cannot evaluate rather than guess. Amounts are minor units of `currency`.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone


class RuleKind(models.TextChoices):
    VELOCITY = "velocity", "Velocity: count or value in a window"
    STRUCTURING = "structuring", "Structuring: repeated amounts just under a limit"
    FAN_IN = "fan_in", "Fan-in: many senders to one account"
    FAN_OUT = "fan_out", "Fan-out: one account to many recipients"
    RAPID_IN_OUT = "rapid_in_out", "Rapid in-out: received and sent on within minutes"
    DORMANT_THEN_ACTIVE = "dormant_then_active", "Dormant, then suddenly active"
    SHARED_ID_NUMBER = "shared_id_number", "Several wallets per ID number"


class Scope(models.TextChoices):
    WALLET = "wallet", "Customer wallet"
    AGENT = "agent", "Agent float"
    CUSTOMER = "customer", "Customer"


class Direction(models.TextChoices):
    ANY = "any", "In and out"
    IN = "in", "Money in"
    OUT = "out", "Money out"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


# How long compliance has to decide an alert. High is one day, within Kenya's two-day STR
# deadline (reference/domain-and-security.md 4: "within 2 days of suspicion").
DEADLINE_HOURS = {Severity.HIGH: 24, Severity.MEDIUM: 72, Severity.LOW: 168}

REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    RuleKind.VELOCITY: ("window_minutes",),
    RuleKind.STRUCTURING: ("window_minutes", "count_threshold", "margin_percent"),
    RuleKind.FAN_IN: ("window_minutes", "count_threshold"),
    RuleKind.FAN_OUT: ("window_minutes", "count_threshold"),
    RuleKind.RAPID_IN_OUT: ("window_minutes", "value_threshold", "share_percent"),
    RuleKind.DORMANT_THEN_ACTIVE: ("window_minutes", "dormant_days", "value_threshold"),
    RuleKind.SHARED_ID_NUMBER: ("count_threshold",),
}
ALLOWED_SCOPES: dict[str, frozenset[str]] = {
    RuleKind.VELOCITY: frozenset({Scope.WALLET, Scope.AGENT}),
    RuleKind.STRUCTURING: frozenset({Scope.WALLET}),
    RuleKind.FAN_IN: frozenset({Scope.WALLET, Scope.AGENT}),
    RuleKind.FAN_OUT: frozenset({Scope.WALLET, Scope.AGENT}),
    RuleKind.RAPID_IN_OUT: frozenset({Scope.WALLET}),
    RuleKind.DORMANT_THEN_ACTIVE: frozenset({Scope.WALLET}),
    RuleKind.SHARED_ID_NUMBER: frozenset({Scope.CUSTOMER}),
}


class RuleQuerySet(models.QuerySet["Rule"]):
    def active(self) -> RuleQuerySet:
        return self.filter(active=True)


class Rule(models.Model):
    """One monitoring rule. Thresholds are inclusive: a count of 10 trips at the tenth."""

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=24, choices=RuleKind.choices)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.WALLET)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    active = models.BooleanField(default=True)
    description = models.TextField(blank=True, help_text="Why this rule exists; its source.")
    currency = models.CharField(max_length=3, default="KES")
    window_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="The look-back window (60: an hour, 1440: a day)."
    )
    direction = models.CharField(
        max_length=3,
        choices=Direction.choices,
        default=Direction.ANY,
        help_text="Velocity only: which movements count.",
    )
    count_threshold = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Velocity: transactions; structuring: amounts under the limit; fan-in/out: "
        "distinct counterparties; shared ID: wallets per ID number.",
    )
    value_threshold = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="Minor units. Velocity: value moved; fan-in/out: smallest total that counts; "
        "rapid in-out: smallest amount received; dormant: value moved once active again.",
    )
    reference_amount = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="Structuring: the limit or reporting threshold, in minor units. Empty: the "
        "customer's per-transaction limit for their KYC tier.",
    )
    margin_percent = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Structuring: how far under the limit counts (10: 10%)."
    )
    share_percent = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Rapid in-out: the share of what came in that left again (80: 80%).",
    )
    dormant_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Dormant then active: days without any movement."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RuleQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(value_threshold__isnull=True) | Q(value_threshold__gt=0))
                & (Q(reference_amount__isnull=True) | Q(reference_amount__gt=0))
                & (Q(window_minutes__isnull=True) | Q(window_minutes__gt=0))
                & (Q(count_threshold__isnull=True) | Q(count_threshold__gt=0)),
                name="compliance_rule_thresholds_positive",
            ),
            models.CheckConstraint(
                condition=(Q(margin_percent__isnull=True) | Q(margin_percent__lte=100))
                & (Q(share_percent__isnull=True) | Q(share_percent__lte=100)),
                name="compliance_rule_percentages",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def window(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.window_minutes or 0)

    @property
    def deadline_hours(self) -> int:
        return DEADLINE_HOURS[Severity(self.severity)]

    def problems(self) -> list[str]:
        """What keeps this rule from being evaluated; empty when it is complete."""
        found = [
            f"{getattr(self._meta.get_field(name), 'verbose_name', name)} is required for this"
            " kind of rule."
            for name in REQUIRED_FIELDS.get(self.kind, ())
            if getattr(self, name) is None
        ]
        if self.kind == RuleKind.VELOCITY and not (self.count_threshold or self.value_threshold):
            found.append("A velocity rule needs a count threshold, a value threshold or both.")
        scopes = ALLOWED_SCOPES.get(self.kind, frozenset())
        if self.scope not in scopes:
            allowed = ", ".join(sorted(str(Scope(scope).label) for scope in scopes))
            found.append(f"This kind of rule applies to: {allowed}.")
        return found

    def clean(self) -> None:
        if problems := self.problems():
            raise ValidationError(problems)
