"""The audit record: one row per write by a person or a client, never changed afterwards.

Rows are append-only in the database itself (migration 0002: a trigger refuses UPDATE,
DELETE and TRUNCATE), so neither the admin, the ORM nor a stray script can rewrite history.
The actor is kept twice: as a link to the user (for filtering) and as text (`actor_label`),
which also names clients that are not Django users, such as an agent's device.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class Channel(models.TextChoices):
    ADMIN = "admin", "Admin"
    API = "api", "Wallet API"
    AGENT_API = "agent_api", "Agent API"
    SYSTEM = "system", "System"


class Action:
    """The actions this app writes itself; admin actions and services add their own names."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    LOGIN = "login"
    LOGOUT = "logout"
    LOGIN_FAILED = "login_failed"


class AuditRecord(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # PROTECT: a user with a history is deactivated, not deleted (a deletion would have to
    # rewrite these rows, which the database refuses anyway).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_records",
    )
    actor_label = models.CharField(
        "actor", max_length=200, blank=True, help_text="username, or the device of an agent app"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100, blank=True, help_text="app_label.model")
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField("object", max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    changed_fields = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    path = models.CharField(max_length=300, blank=True)
    method = models.CharField(max_length=10, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    idempotency_key = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["action", "-at"], name="audit_action_at"),
        ]

    def __str__(self) -> str:
        who = self.actor_label or "anonymous"
        what = self.object_repr or self.path or self.object_type
        return f"{self.at:%Y-%m-%d %H:%M:%S} {who} {self.action} {what}".strip()
