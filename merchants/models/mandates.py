"""Debit mandates: a customer lets a merchant take payments without a PIN each time, within a
cap per payment and per day, until an end date or until cancelled."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class MandateState(models.TextChoices):
    PENDING = "pending", "Pending: the customer has not approved it"
    ACTIVE = "active", "Active"
    DECLINED = "declined", "Declined by the customer"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Ended"


class Mandate(models.Model):
    reference = models.CharField(max_length=10, unique=True, editable=False)
    customer = models.ForeignKey(
        "wallets.Customer", on_delete=models.PROTECT, related_name="mandates"
    )
    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.PROTECT, related_name="mandates"
    )
    currency = models.CharField(max_length=3)
    max_per_payment = models.BigIntegerField()
    max_daily = models.BigIntegerField()
    ends_on = models.DateField(help_text="The last day the merchant may debit.")
    description = models.CharField(max_length=60, blank=True)
    state = models.CharField(
        max_length=10, choices=MandateState.choices, default=MandateState.PENDING
    )
    # Who set it up: the customer from the menu (active at once, with the PIN) or a partner
    # by API (pending until the customer approves it from the menu).
    channel = models.CharField(max_length=10)
    idempotency_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.CharField(max_length=20, blank=True, help_text="customer, merchant, staff")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_per_payment__gt=0) & Q(max_daily__gte=F("max_per_payment")),
                name="mandate_caps_ordered",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "active"]) | Q(ended_at__isnull=False),
                name="mandate_end_recorded",
            ),
        ]
        indexes = [models.Index(fields=["customer", "state"], name="mandate_customer_state")]

    def __str__(self) -> str:
        return f"Mandate {self.reference} ({self.get_state_display()})"

    def is_usable(self, today: datetime.date | None = None) -> bool:
        return self.state == MandateState.ACTIVE and self.ends_on >= (today or timezone.localdate())
