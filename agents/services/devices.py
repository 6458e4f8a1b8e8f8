"""Issuing and revoking agent-app device tokens (see `agents.models.AgentDevice`)."""

from __future__ import annotations

import hashlib
import secrets

from django.db.models import QuerySet
from django.utils import timezone

from agents.models import AgentDevice, Assistant
from agents.services.network import acting_assistant

TOKEN_BYTES = 32


def token_digest(token: str) -> str:
    """What is stored for a token: its SHA-256 (a random 256-bit token needs no slow hash)."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_device_token(*, assistant: Assistant, name: str) -> str:
    """A new device token for an active assistant; the clear token is returned once only."""
    assistant = acting_assistant(assistant)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    AgentDevice.objects.create(
        assistant=assistant, name=name.strip()[:100], token_digest=token_digest(token)
    )
    return token


def revoke_devices(devices: QuerySet[AgentDevice]) -> int:
    """Revoke the devices not revoked yet; return how many were."""
    return devices.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
