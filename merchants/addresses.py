"""Where webhooks may go: a partner names its callback URL, so a careless or hostile one could
point our servers at their own network (SSRF: the database, the broker, a cloud metadata
service). Outside development, a URL whose host is, or resolves to, a private, loopback,
link-local or otherwise non-public address is refused, both when a partner names it and again
just before each delivery (a name may resolve differently later).

A host that does not resolve is left to fail on its own when it is called.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


def is_public_url(url: str) -> bool:
    """False when the URL's host is or resolves to a non-public address (unless allowed)."""
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return True
    host = urlsplit(url).hostname or ""
    if not host:
        return False
    return all(_is_public(address) for address in _addresses(host))


def _addresses(host: str) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []  # not resolvable: the call fails on its own
    return [str(entry[4][0]) for entry in found]


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_global and not ip.is_multicast
