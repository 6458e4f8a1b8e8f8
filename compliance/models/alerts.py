"""Alerts raised by the rules, and the scanner's watermark.

One open alert per (rule, subject): a partial unique constraint makes it a database fact, and
a new hit on the same subject updates the alert already in the queue instead of adding one.
The subject is a wallet (with its customer), an agent (through its float) or a customer;
`subject_key` ("account:12", "customer:5") is what the constraint compares.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from compliance.models.rules import Rule


class AlertState(models.TextChoices):
    OPEN = "open", "Open"
    ASSIGNED = "assigned", "Assigned"
    CLOSED_NO_ACTION = "closed_no_action", "Closed: no action"
    CLOSED_ESCALATED = "closed_escalated", "Closed: escalated"


OPEN_STATES = (AlertState.OPEN, AlertState.ASSIGNED)
CLOSED_STATES = (AlertState.CLOSED_NO_ACTION, AlertState.CLOSED_ESCALATED)


class AlertQuerySet(models.QuerySet["Alert"]):
    def still_open(self) -> AlertQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def overdue(self, now=None) -> AlertQuerySet:
        return self.still_open().filter(deadline__lt=now or timezone.now())


class Alert(models.Model):
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="alerts")
    subject_key = models.CharField(max_length=40, editable=False)
    account = models.ForeignKey(
        "wallets.Account", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    customer = models.ForeignKey(
        "wallets.Customer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agent = models.ForeignKey(
        "agents.Agent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detail = models.JSONField(default=dict, help_text="The figures that tripped the rule.")
    hits = models.PositiveIntegerField(default=1, help_text="Times the rule tripped while open.")
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=20, choices=AlertState.choices, default=AlertState.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="compliance_alerts",
    )
    deadline = models.DateTimeField(help_text="Decide by then (from the rule's severity).")
    notes = models.TextField(blank=True, help_text="Dated notes, newest last.")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    freeze_request = models.CharField(
        max_length=64, blank=True, help_text="The maker-checker request to freeze the wallet."
    )

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "id"]
        permissions = [("request_freeze", "Can ask for a wallet to be frozen (maker-checker)")]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_key"],
                condition=Q(state__in=["open", "assigned"]),
                name="compliance_one_open_alert_per_subject",
            ),
            models.CheckConstraint(
                condition=(Q(state__in=["open", "assigned"]) & Q(closed_at__isnull=True))
                | (
                    Q(state__in=["closed_no_action", "closed_escalated"])
                    & Q(closed_at__isnull=False)
                ),
                name="compliance_alert_closed_when",
            ),
            models.CheckConstraint(
                condition=~Q(state="assigned") | Q(assignee__isnull=False),
                name="compliance_alert_assigned_to_someone",
            ),
        ]
        indexes = [models.Index(fields=["state", "deadline"], name="compliance_alert_queue")]

    def __str__(self) -> str:
        return f"{self.rule} - {self.subject_label}"

    @property
    def subject_label(self) -> str:
        if self.agent is not None:
            return f"agent {self.agent}"
        if self.customer is not None:
            return f"customer {self.customer}"
        return self.subject_key

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.deadline < timezone.now()


class Watermark(models.Model):
    """How far the rule scanner has read: the last transaction and customer it evaluated.

    The scanner locks this row (`FOR UPDATE SKIP LOCKED`) for its whole run, so a second
    scanner started at the same time finds it taken and does nothing.
    """

    name = models.CharField(max_length=40, unique=True)
    last_transaction_id = models.BigIntegerField(default=0)
    last_customer_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}: transaction {self.last_transaction_id}"
