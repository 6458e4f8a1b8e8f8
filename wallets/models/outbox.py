"""The outbox: side effects written in the same database transaction as the money.

`wallets_post` adds a `transaction.posted` row to every posting; other code may add rows of
its own topics with `wallets.outbox.enqueue`. A Celery task delivers them after commit and a
periodic sweep picks up what a lost task left behind, so delivery is at-least-once and every
handler is idempotent.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxMessage(models.Model):
    topic = models.CharField(max_length=64)
    transaction = models.ForeignKey(
        "wallets.Transaction", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        db_table = "wallets_outbox"
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"], condition=Q(delivered_at__isnull=True), name="outbox_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk}"
