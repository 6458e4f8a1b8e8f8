"""How partners integrate: API credentials with scopes, and signed outbound webhooks.

A credential's secret is never stored: it is derived from the server's key and the
credential's random salt (HMAC), shown once when issued, and rotated by issuing a new salt.
Webhooks are rows first (the row is its own outbox): a task delivers them with exponential
backoff, and staff can replay any of them from the admin.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Scope(models.TextChoices):
    MERCHANT_PAY = "merchantpay", "Take payments (request to pay, mandate debits)"
    DISBURSEMENT = "disbursement", "Pay customers from the business account"
    TRANSFER = "transfer", "Transfer from the business account"
    REVERSAL = "reversal", "Reverse the partner's own payments"
    ACCOUNT_NAME = "accountname", "Look up account holders' names"
    ACCOUNT_READ = "accountread", "Read balances and statements the customer consented to"
    MANDATES = "mandates", "Ask for and read debit mandates"
    BATCH = "batch", "Bulk disbursements"


class PartnerCredential(models.Model):
    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.PROTECT, related_name="credentials"
    )
    client_id = models.CharField(max_length=40, unique=True, editable=False)
    secret_salt = models.CharField(max_length=64, editable=False)
    label = models.CharField(max_length=60, blank=True)
    scopes = ArrayField(models.CharField(max_length=20, choices=Scope.choices), default=list)
    requests_per_minute = models.PositiveIntegerField(default=600)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["merchant", "-id"]

    def __str__(self) -> str:
        return f"{self.client_id} ({self.merchant})"


class WebhookState(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Gave up (replay from the admin)"


class WebhookDelivery(models.Model):
    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.PROTECT, related_name="webhooks"
    )
    event_id = models.CharField(max_length=120, unique=True, help_text="Dedupes at-least-once.")
    event = models.CharField(max_length=60)
    url = models.URLField(max_length=500)
    method = models.CharField(max_length=6, default="POST")
    payload = models.JSONField()
    headers = models.JSONField(
        default=dict, blank=True, help_text="Extra headers, e.g. a GSMA callback's X-CorrelationID."
    )
    state = models.CharField(
        max_length=10, choices=WebhookState.choices, default=WebhookState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(state="pending"), name="webhook_due"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} -> {self.url} ({self.get_state_display()})"
