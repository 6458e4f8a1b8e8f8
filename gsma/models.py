"""What the partner API keeps beside the ledger: exchanges by X-CorrelationID, request states
of asynchronous requests, per-partner rate windows, and batches of disbursements.

- An `Exchange` is one processed POST/PATCH of a partner, keyed by its X-CorrelationID: a
  retry returns the stored response, the same id with another body is refused, and
  `GET /responses/{clientCorrelationId}` links to what it created.
- A `RequestState` is the GSMA resource behind a 202: pending until the customer answers a
  request to pay or a mandate, or a batch finishes; then completed or failed, exactly once,
  with a PUT to the partner's X-Callback-URL if one was given.
- A `RateWindow` counts a credential's requests per minute in PostgreSQL (one upsert per
  request), so the limit holds across every web process.
- A `Batch` holds up to 10,000 `BatchLine`s; a task posts each line once under the key
  `batch:<batch id>:<line no>` and records its result on the line.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Exchange(models.Model):
    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.PROTECT, related_name="gsma_exchanges"
    )
    correlation_id = models.UUIDField()
    method = models.CharField(max_length=7)
    path = models.CharField(max_length=300)
    body_hash = models.CharField(max_length=64)
    # Null while the first request with this id is being processed.
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "correlation_id"], name="gsma_exchange_once_per_partner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.correlation_id})"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class RequestKind(models.TextChoices):
    MERCHANT_PAY = "merchantpay", "Request to pay"
    MANDATE = "debitmandate", "Debit mandate"
    BATCH = "batch", "Batch of disbursements"


class RequestState(models.Model):
    server_correlation_id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.PROTECT, related_name="gsma_request_states"
    )
    kind = models.CharField(max_length=20, choices=RequestKind.choices)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    client_correlation_id = models.UUIDField(null=True, blank=True)
    callback_url = models.URLField(max_length=500, blank=True)
    object_reference = models.CharField(max_length=64, blank=True)
    error = models.JSONField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    polls = models.PositiveIntegerField(default=0)
    payment_request = models.OneToOneField(
        "wallets.PaymentRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    mandate = models.ForeignKey(
        "merchants.Mandate", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    batch = models.OneToOneField(
        "gsma.Batch", on_delete=models.PROTECT, null=True, blank=True, related_name="state"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], condition=Q(status="pending"), name="gsma_open")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.server_correlation_id} ({self.status})"


class RateWindow(models.Model):
    client_id = models.CharField(max_length=40)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client_id", "window_start"], name="gsma_rate_window")
        ]

    def __str__(self) -> str:
        return f"{self.client_id} {self.window_start:%H:%M} {self.count}"


class BatchStatus(models.TextChoices):
    # The GSMA batch states: created (stored, waiting), approved (being processed), completed.
    CREATED = "created", "Created"
    APPROVED = "approved", "Processing"
    COMPLETED = "completed", "Completed"


class Batch(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.PROTECT, related_name="gsma_batches"
    )
    title = models.CharField(max_length=256, blank=True)
    description = models.CharField(max_length=256, blank=True)
    status = models.CharField(
        max_length=10, choices=BatchStatus.choices, default=BatchStatus.CREATED
    )
    lines_total = models.PositiveIntegerField(default=0)
    parsed_ok = models.PositiveIntegerField(default=0)
    completed_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    initiator = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "batches"

    def __str__(self) -> str:
        return f"Batch {self.id} ({self.status})"


class LineState(models.TextChoices):
    PENDING = "pending", "Pending"
    COMPLETED = "completed", "Completed"
    REJECTED = "rejected", "Rejected"


class BatchLine(models.Model):
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    msisdn = models.CharField(max_length=32)
    amount = models.BigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    client_reference = models.CharField(max_length=256, blank=True)
    state = models.CharField(max_length=10, choices=LineState.choices, default=LineState.PENDING)
    transaction_reference = models.CharField(max_length=10, blank=True)
    rejection_reason = models.CharField(max_length=256, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["batch", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "line_no"], name="gsma_batch_line_once")
        ]
        indexes = [models.Index(fields=["batch", "state", "line_no"], name="gsma_line_state")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.line_no} ({self.state})"
