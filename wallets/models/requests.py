"""Requests a customer answers later: reversals of a mistaken send, and payment requests.

A reversal request freezes what the recipient still holds of the money (a hold) until the
back office decides: approved, the held money goes back to the sender; rejected or out of
time, the hold is released. A payment request waits for the payer to pay or decline it from
the menu.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ReversalState(models.TextChoices):
    OPEN = "open", "Open: the recipient's money is on hold"
    REVERSED = "reversed", "Reversed"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired: nobody decided in time"


class ReversalRequest(models.Model):
    original = models.ForeignKey(
        "wallets.Transaction", on_delete=models.PROTECT, related_name="reversal_requests"
    )
    requested_by = models.ForeignKey(
        "wallets.Customer", on_delete=models.PROTECT, related_name="reversal_requests"
    )
    channel = models.CharField(max_length=10)
    reason = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=10, choices=ReversalState.choices, default="open")
    hold = models.OneToOneField(
        "wallets.Hold", on_delete=models.PROTECT, related_name="reversal_request"
    )
    held_amount = models.BigIntegerField(help_text="What the recipient still held, now on hold.")
    reversal = models.OneToOneField(
        "wallets.Transaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal_request",
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # One open request per transaction; a rejected one may be asked again.
            models.UniqueConstraint(
                fields=["original"], condition=Q(state="open"), name="reversal_one_open"
            ),
            models.CheckConstraint(condition=Q(held_amount__gt=0), name="reversal_held_positive"),
        ]

    def __str__(self) -> str:
        return f"Reversal of {self.original.reference} ({self.get_state_display()})"


class PaymentRequestState(models.TextChoices):
    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"


class PaymentRequest(models.Model):
    """`requester` asks `payer` for `amount`; the payer pays (with PIN) or declines."""

    requester = models.ForeignKey(
        "wallets.Account", on_delete=models.PROTECT, related_name="payment_requests_made"
    )
    requester_name = models.CharField(max_length=120, help_text="The name the payer is shown.")
    payer = models.ForeignKey(
        "wallets.Customer", on_delete=models.PROTECT, related_name="payment_requests"
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    note = models.CharField(max_length=60, blank=True)
    fee_kind = models.CharField(
        max_length=32,
        blank=True,
        help_text="A merchant's fee schedule when a merchant asks (it pays the fee); empty: "
        "a customer asks and the payer pays the send-money fee.",
    )
    idempotency_key = models.CharField(max_length=200, unique=True)
    state = models.CharField(
        max_length=10, choices=PaymentRequestState.choices, default=PaymentRequestState.PENDING
    )
    expires_at = models.DateTimeField()
    transaction = models.OneToOneField(
        "wallets.Transaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payment_request",
    )
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_request_positive"),
            models.CheckConstraint(
                condition=~Q(state="paid") | Q(transaction__isnull=False),
                name="payment_request_paid_has_transaction",
            ),
        ]
        indexes = [
            models.Index(
                fields=["payer", "expires_at"],
                condition=Q(state="pending"),
                name="payment_request_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.requester_name} asks {self.payer.phone} for {self.amount} {self.currency}"
