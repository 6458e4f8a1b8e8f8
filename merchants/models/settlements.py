"""Merchant settlement: a daily sweep of a merchant's balance to its bank or operator account,
paid out through an operator adapter; the settlement row is the statement's header."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class SettlementState(models.TextChoices):
    PENDING = "pending", "Sent to the operator; waiting for its answer"
    SETTLED = "settled", "Settled"
    FAILED = "failed", "Failed: the money stayed in the merchant's account"


class Settlement(models.Model):
    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.PROTECT, related_name="settlements"
    )
    day = models.DateField(help_text="The business day swept.")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=10)
    destination = models.CharField(max_length=80, help_text="Phone, or pay-bill and account.")
    # The payout, as every other payout: a hold on the merchant's account and an operator
    # request that commits or releases it.
    operator_request = models.OneToOneField(
        "operators.OperatorRequest",
        on_delete=models.PROTECT,
        related_name="merchant_settlement",
    )
    state = models.CharField(
        max_length=10, choices=SettlementState.choices, default=SettlementState.PENDING
    )
    # The statement covers the postings on the account from the previous settlement to this.
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day", "merchant"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "day"], name="settlement_once_a_day"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="settlement_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.merchant} {self.day} ({self.get_state_display()})"
