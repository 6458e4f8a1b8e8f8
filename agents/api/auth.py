"""Agent apps authenticate as a device: `Authorization: Device <token>`.

Each token belongs to one assistant's device (`AgentDevice`); only its SHA-256 is stored, so
a database dump gives no usable token. Back office issues and revokes tokens in the admin.
The assistant's PIN still authorises every operation that moves money.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from agents.models import AgentDevice
from agents.services.devices import token_digest

KEYWORD = "Device"


@dataclass(frozen=True)
class DeviceClient:
    """What `request.user` is for an agent device (not a Django user)."""

    device: AgentDevice
    is_authenticated: bool = True
    is_active: bool = True

    @property
    def pk(self) -> str:
        return f"device-{self.device.pk}"

    def get_username(self) -> str:
        return f"device:{self.device.pk}"


class DeviceTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[DeviceClient, AgentDevice] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Send `Authorization: Device <token>`.")
        token = parts[1].decode(errors="replace")
        device = (
            AgentDevice.objects.select_related("assistant__store__agent__aggregator")
            .filter(token_digest=token_digest(token), revoked_at__isnull=True)
            .first()
        )
        if device is None:
            raise AuthenticationFailed("Unknown or revoked device token.")
        AgentDevice.objects.filter(pk=device.pk).update(last_used_at=timezone.now())
        return DeviceClient(device), device

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class IsAgentDevice(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, AgentDevice)


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI document describes the device token."""

    target_class = DeviceTokenAuthentication
    name = "deviceToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Device <token>`: the token issued for the assistant's phone.",
        }
