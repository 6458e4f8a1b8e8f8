"""Who is calling: the client's address, and whether an allow-list lets it in.

Behind a load balancer or reverse proxy, REMOTE_ADDR is the proxy's address. Each trusted
proxy appends the address it saw to X-Forwarded-For, so with `TRUSTED_PROXY_COUNT = n` the
client is the n-th entry from the right; anything further left was written by the client
and is ignored. With no trusted proxy (the default) the header is ignored altogether, so a
caller cannot claim an allowed address by sending it.

Allow-lists (USSD_ALLOWED_IPS, OPERATOR_ALLOWED_IPS) take addresses or networks
("196.201.214.0/24"); an empty list lets everyone in (the secret path token still applies).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_ip(request: HttpRequest) -> str:
    """The caller's address, as the nearest trusted proxy saw it."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            hop.strip()
            for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if hop.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
        return ""  # a request that did not come through all our proxies: nobody we know
    return str(request.META.get("REMOTE_ADDR", ""))


def ip_allowed(request: HttpRequest, allowed: Iterable[str]) -> bool:
    """Whether the caller is on `allowed`; an empty list allows everyone."""
    networks = [_network(entry) for entry in allowed if entry.strip()]
    if not networks:
        return True
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return any(address in network for network in networks)


def _network(entry: str) -> Network:
    return ipaddress.ip_network(entry.strip(), strict=False)
