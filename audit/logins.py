"""Record logins, logouts and failed logins (never the password).

Django sends these signals from `login()`, `logout()` and `authenticate()`; they are audit
capture, not domain rules, so a receiver is the right tool here. A failed login names the
username tried (Django has already masked the credentials) and links the user if one has
that username, so that an admin filter on a person shows the attempts on their account.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model, signals

from audit import services
from audit.models import Action

USERNAME_LIMIT = 150


def connect() -> None:
    signals.user_logged_in.connect(logged_in, dispatch_uid="audit.logged_in")
    signals.user_logged_out.connect(logged_out, dispatch_uid="audit.logged_out")
    signals.user_login_failed.connect(login_failed, dispatch_uid="audit.login_failed")


def logged_in(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    services.record(action=Action.LOGIN, actor=user, obj=user, request=request)


def logged_out(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    services.record(action=Action.LOGOUT, actor=user, obj=user, request=request)


def login_failed(
    sender: Any, credentials: dict[str, Any] | None = None, request: Any = None, **kwargs: Any
) -> None:
    model = get_user_model()
    tried = str((credentials or {}).get(model.USERNAME_FIELD, ""))[:USERNAME_LIMIT]
    user = model._default_manager.filter(**{model.USERNAME_FIELD: tried}).first() if tried else None
    entry = services.build(
        action=Action.LOGIN_FAILED,
        obj=user,
        details={"username": tried},
        request=request,
    )
    entry.actor, entry.actor_label = None, tried  # whoever tried is unknown; not the session's
    services.save([entry], request=request)
