"""Lockout after repeated failed sign-ins (django-axes).

Failures are counted per username and client address together (AXES_LOCKOUT_PARAMETERS), the
address read through our trusted proxies (`config.clientip.client_ip`). After
AXES_FAILURE_LIMIT failures that username is locked from that address for AXES_COOLOFF_TIME,
even with the right password; a success resets the count. Someone guessing from elsewhere
does not lock the real person out of their own desk. What a guesser who switches address or
username gains is bounded by the second factor (STAFF_REQUIRE_2FA), whose devices throttle
wrong codes themselves.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

LOCKOUT_TEMPLATE = "backoffice/access/lockout.html"


class LockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check, first in AUTHENTICATION_BACKENDS (it authenticates nobody itself).

    Axes refuses a call to `authenticate()` without a request. Every sign-in over the web
    passes one (the admin's login view, Django REST framework); the calls without one come from
    outside HTTP, such as the Django test client's `login()`, and have no client to lock out.
    Axes' documentation names a backend overriding `authenticate` as the way to accept them;
    those calls are let through to the next backend, the password check, uncounted.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return
        super().authenticate(request, username, password, **kwargs)


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """The page a locked-out sign-in gets (AXES_LOCKOUT_CALLABLE), with status 429."""
    context = {
        "title": "Sign-in locked",
        "username": get_client_username(request, credentials) or "",
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, LOCKOUT_TEMPLATE, context, status=429)
