"""A deployment check (`manage.py check --deploy`): staff sign in with a second factor."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def staff_two_factor(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.STAFF_REQUIRE_2FA:
        return []
    return [
        Warning(
            "STAFF_REQUIRE_2FA is off: staff sign in to the admin with a password alone.",
            hint="Unset STAFF_REQUIRE_2FA (it defaults to on when DJANGO_DEBUG is false).",
            id="backoffice.W001",
        )
    ]
