"""USSD sessions and their end-of-session reports.

A session keeps only what the menu needs between hops: the current screen, the way back,
the values entered so far and the last reply. A PIN is never stored: the secret token goes
straight to the action, the last `text` is kept as a keyed digest (for spotting a retried
hop), and a new PIN being confirmed is kept as its Argon2 hash.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class UssdSession(models.Model):
    session_id = models.CharField(max_length=100, unique=True)
    phone = models.CharField(max_length=16)
    service_code = models.CharField(max_length=40, blank=True)
    network_code = models.CharField(max_length=10, blank=True)
    language = models.CharField(max_length=8, default="en")
    menu = models.CharField(max_length=20, default="customer", help_text="Which menu it runs.")
    screen = models.CharField(max_length=60)
    stack = models.JSONField(default=list, blank=True)
    data = models.JSONField(default=dict, blank=True)
    consumed = models.PositiveIntegerField(default=0)
    page = models.PositiveSmallIntegerField(default=0)
    last_text_digest = models.CharField(max_length=64, blank=True)
    last_reply = models.TextField(blank=True)
    ended = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["phone", "-id"])]

    # Set by `ussd.sessions.advance` for the reply just made: it shows a one-time code.
    secret_end = False

    def __str__(self) -> str:
        return f"{self.session_id} ({self.phone})"


class UssdSessionEnd(models.Model):
    """Africa's Talking's end-of-session notification, with the PIN redacted from `input`."""

    session_id = models.CharField(max_length=100, db_index=True)
    phone = models.CharField(max_length=20, blank=True)
    service_code = models.CharField(max_length=40, blank=True)
    network_code = models.CharField(max_length=10, blank=True)
    status = models.CharField(max_length=20, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    hops = models.PositiveIntegerField(null=True, blank=True)
    cost = models.CharField(max_length=40, blank=True)
    input_redacted = models.TextField(blank=True)
    last_app_response = models.TextField(blank=True)
    error_message = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.status}"
