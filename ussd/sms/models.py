"""Outbound SMS messages (the SMS outbox) and the delivery reports received for them.

A row is created in the same database transaction as whatever caused it (a receipt is
queued while the posting's outbox row is delivered) and sent by a Celery task after
commit. `dedup_key` is unique, so a cause delivered twice never sends two messages.

States only move forward: queued -> sent | failed; sent -> delivered | undeliverable.
Delivered and undeliverable are final: a late or repeated report never changes them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from wallets.phones import validate_phone


class SmsState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    DELIVERED = "delivered", "Delivered"
    UNDELIVERABLE = "undeliverable", "Undeliverable"


class SmsMessageQuerySet(models.QuerySet["SmsMessage"]):
    def for_phone(self, phone: str) -> SmsMessageQuerySet:
        """The messages sent to one E.164 number, newest first (the phone simulator's inbox)."""
        return self.filter(to=phone).order_by("-id")


class SmsMessage(models.Model):
    to = models.CharField(max_length=16, validators=[validate_phone], help_text="E.164")
    text = models.TextField()
    language = models.CharField(max_length=8, default="en")
    purpose = models.CharField(max_length=32, help_text='What it is for, e.g. "receipt".')
    reference = models.CharField(
        max_length=10, blank=True, help_text="The transaction reference, if any."
    )
    dedup_key = models.CharField(max_length=200)
    state = models.CharField(max_length=16, choices=SmsState.choices, default=SmsState.QUEUED)
    backend = models.CharField(max_length=32, blank=True, help_text="Which backend sent it.")
    provider_message_id = models.CharField(max_length=100, blank=True)
    provider_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    provider_status = models.CharField(
        max_length=64, blank=True, help_text="The send response's status, then each report's."
    )
    failure_reason = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = SmsMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = "SMS message"
        constraints = [
            models.UniqueConstraint(fields=["dedup_key"], name="sms_dedup_key_unique"),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in SmsState]), name="sms_state_known"
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["sent", "delivered", "undeliverable"])
                | Q(sent_at__isnull=False),
                name="sms_sent_has_sent_at",
            ),
        ]
        indexes = [
            models.Index(fields=["to", "-id"], name="sms_to"),
            models.Index(fields=["reference"], name="sms_reference"),
            models.Index(
                fields=["provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="sms_provider_message_id",
            ),
            # The sweep's question: which queued messages are overdue?
            models.Index(
                fields=["next_attempt_at"], condition=Q(state="queued"), name="sms_queued_due"
            ),
        ]

    def __str__(self) -> str:
        return f"SMS {self.pk} to {self.to} ({self.state})"


class ReportOutcome(models.TextChoices):
    APPLIED = "applied", "Applied to the message"
    IGNORED = "ignored", "Ignored: the message is already final or not sent yet"
    UNKNOWN = "unknown", "Unknown message id"
    MISMATCH = "mismatch", "Ignored: phone number differs from the message's"


class DeliveryReport(models.Model):
    """One delivery report as Africa's Talking posted it (raw fields), and what it did."""

    message = models.ForeignKey(
        SmsMessage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="delivery_reports",
    )
    provider_message_id = models.CharField(max_length=100, db_index=True)
    status = models.CharField(max_length=32)
    phone_number = models.CharField(max_length=20, blank=True)
    network_code = models.CharField(max_length=10, blank=True)
    failure_reason = models.CharField(max_length=64, blank=True)
    retry_count = models.CharField(max_length=10, blank=True)
    outcome = models.CharField(max_length=10, choices=ReportOutcome.choices)
    received_at = models.DateTimeField(default=timezone.now)

    objects: models.Manager[DeliveryReport] = models.Manager()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.provider_message_id}: {self.status}"


class InboundSms(models.Model):
    """One message a customer sent us (Africa's Talking two-way SMS), and what we did.

    `provider_id` is unique: AT retries a message until it gets a 200, and a repeat must
    not run the menu or reply twice. `text` is stored with every 4-digit token masked,
    because a customer may type a PIN.
    """

    provider_id = models.CharField(max_length=100, unique=True)
    phone = models.CharField(max_length=16, help_text="The sender, E.164")
    to = models.CharField(max_length=20, blank=True, help_text="Our short code")
    text = models.TextField(blank=True, help_text="With 4-digit tokens masked")
    link_id = models.CharField(max_length=100, blank=True)
    network_code = models.CharField(max_length=10, blank=True)
    provider_date = models.CharField(max_length=40, blank=True, help_text="AT's `date`")
    outcome = models.CharField(max_length=32, blank=True, help_text='e.g. "menu", "balance"')
    session_id = models.CharField(max_length=100, blank=True, help_text="The menu session")
    reply = models.ForeignKey(
        SmsMessage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now)

    objects: models.Manager[InboundSms] = models.Manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = "inbound SMS"
        verbose_name_plural = "inbound SMS"
        indexes = [models.Index(fields=["phone", "-id"], name="sms_inbound_phone")]

    def __str__(self) -> str:
        return f"Inbound SMS {self.provider_id} from {self.phone}"
