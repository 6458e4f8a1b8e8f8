"""One airtime delivery per airtime transaction: what was asked of Africa's Talking and how
it ended. Imported by `UssdConfig.import_models`, so the model belongs to the ussd app."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class AirtimeState(models.TextChoices):
    REQUESTED = "requested", "Requested"  # paid for; not yet accepted by Africa's Talking
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed, refund pending"  # the sweep retries the refund
    REFUNDED = "refunded", "Failed and refunded"


class AirtimeRequest(models.Model):
    transaction = models.OneToOneField(
        "wallets.Transaction", on_delete=models.PROTECT, related_name="airtime_request"
    )
    phone = models.CharField(max_length=16, help_text="E.164 number that gets the airtime.")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    state = models.CharField(
        max_length=10, choices=AirtimeState.choices, default=AirtimeState.REQUESTED
    )
    attempts = models.PositiveIntegerField(default=0)
    provider_request_id = models.CharField(max_length=100, blank=True)
    provider_response = models.TextField(blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="airtime_amount_positive")
        ]
        indexes = [
            models.Index(
                fields=["state", "updated_at"],
                condition=Q(state__in=["requested", "failed"]),
                name="airtime_open",
            )
        ]

    def __str__(self) -> str:
        return f"Airtime {self.amount} {self.currency} to {self.phone} ({self.state})"
