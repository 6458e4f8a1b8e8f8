"""Agent-app devices: how an assistant's smartphone app authenticates to the agent API.

A device holds a random bearer token; only its SHA-256 is stored (`token_digest`), so a copy
of the database gives no usable token. A token is issued once (shown once) and revoked, never
edited. It identifies the device, not the money: the assistant's PIN still authorises every
operation that moves money.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class AgentDevice(models.Model):
    assistant = models.ForeignKey(
        "agents.Assistant", on_delete=models.PROTECT, related_name="devices"
    )
    name = models.CharField(max_length=100, help_text='e.g. "Kevin\'s phone"')
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.assistant})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
