"""Dormancy notices: one per customer and period of inactivity.

A period is named by the customer's last posting (`last_posting_id`, 0 when the wallet never
moved), so re-runs find the notice they already wrote, and new activity starts a new period.
A wallet is marked dormant only after its warning has had time to reach the customer.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class DormancyNotice(models.Model):
    customer = models.ForeignKey(
        "wallets.Customer", on_delete=models.PROTECT, related_name="dormancy_notices"
    )
    last_posting_id = models.BigIntegerField(help_text="The last movement before the silence.")
    last_activity_at = models.DateTimeField()
    warned_at = models.DateTimeField(default=timezone.now)
    marked_dormant_at = models.DateTimeField(null=True, blank=True)
    reactivation_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reactivation_requested_at = models.DateTimeField(null=True, blank=True)
    reactivation_note = models.TextField(
        blank=True, help_text="The identity check done before asking to reactivate."
    )
    reactivation_request = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-warned_at", "-id"]
        permissions = [
            ("request_reactivation", "Can ask for a dormant wallet to be reactivated (maker)")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "last_posting_id"], name="compliance_one_notice_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer}: inactive since {self.last_activity_at:%Y-%m-%d}"
