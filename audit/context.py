"""What the audit log knows about the request being served.

The first audit record of a request attaches a `RequestAudit` to it (`for_request`); the
admin hooks, the middleware and `audit.services.record(request=...)` all read that one, so
every record of one request shares its request id (the client's X-Request-ID, or a new
one), channel, path and client address, and the middleware knows whether anything was
recorded.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from audit.models import AuditRecord, Channel
from config.clientip import client_ip
from wallets.logging import redact

ATTRIBUTE = "_audit"
API_PREFIX = "/api/"
PARTNER_API_PREFIX = "/gsma/"  # the GSMA-compatible partner API
REQUEST_ID = re.compile(r"[\w.:-]{1,64}")


@dataclass
class RequestAudit:
    request_id: str
    channel: str
    path: str
    method: str
    client_ip: str | None
    written: int = 0  # records written for this request so far
    # Field values of rows about to change, taken before the admin form touched them.
    before: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    # Deletion records waiting for the end of an admin action (see audit.admin_hooks).
    deferred_deletions: list[AuditRecord] = field(default_factory=list)
    actions_running: int = 0

    def stamp(self, record: AuditRecord) -> None:
        """Copy the request's facts onto `record`."""
        record.request_id = self.request_id
        record.path = self.path
        record.method = self.method
        record.client_ip = self.client_ip


def for_request(request: Any) -> RequestAudit:
    """The audit state of `request` (a Django or a DRF request), made on first use."""
    request = getattr(request, "_request", request)
    found = getattr(request, ATTRIBUTE, None)
    if found is None:
        found = start(request)
        setattr(request, ATTRIBUTE, found)
    return found


def start(request: HttpRequest) -> RequestAudit:
    given = request.headers.get("X-Request-ID", "").strip()
    return RequestAudit(
        request_id=given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex,
        channel=channel_of(request.path),
        path=redact(request.path)[:300],
        method=(request.method or "")[:10],
        client_ip=valid_ip(client_ip(request)),
    )


def channel_of(path: str) -> str:
    if path.startswith(admin_prefix()):
        return Channel.ADMIN
    if path.startswith(agent_api_prefix()):
        return Channel.AGENT_API
    if path.startswith((API_PREFIX, PARTNER_API_PREFIX)):
        return Channel.API
    return Channel.SYSTEM


@functools.cache
def admin_prefix() -> str:
    try:
        return reverse("admin:index")
    except NoReverseMatch:
        return "/admin/"


@functools.cache
def agent_api_prefix() -> str:
    try:
        return reverse("agent-api-me").removesuffix("me")
    except NoReverseMatch:
        return "/api/v1/agent/"


def valid_ip(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
