"""Fraud flags for compliance review: split transactions and velocity.

A flag never blocks an operation; a split flag records the commission withheld from it.
`dedup_key` is unique, so the outbox handler that raises flags can run twice and a burst of
operations raises one velocity flag per rule and day, not one per operation.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class FlagKind(models.TextChoices):
    SPLIT_TRANSACTION = "split_transaction", "Split transaction"
    VELOCITY = "velocity", "Velocity"
    DIRECT_DEPOSIT_PATTERN = "direct_deposit_pattern", "Direct deposit pattern"


class FlagQuerySet(models.QuerySet["Flag"]):
    def open(self) -> FlagQuerySet:
        return self.filter(reviewed_at__isnull=True)


class Flag(models.Model):
    agent = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="flags")
    customer = models.ForeignKey(
        "wallets.Customer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=FlagKind.choices)
    details = models.JSONField(default=dict, blank=True)
    withheld = models.BigIntegerField(default=0, help_text="Commission not paid (minor units).")
    transaction = models.ForeignKey(
        "wallets.Transaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agent_flags",
    )
    dedup_key = models.CharField(max_length=200, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(withheld__gte=0), name="flag_withheld_positive")
        ]
        indexes = [models.Index(fields=["agent", "created_at"], name="flag_agent_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.agent}"
