"""Staff for the maker-checker tests: a maker and a checker who may request and approve every
kind (neither is a superuser: the permissions are what let them), and a factory for others."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from approvals.kinds import KINDS


def make_staff(username: str, *codenames: str) -> Any:
    """A staff user with exactly the approvals permissions named (e.g. "approve_freeze")."""
    user = get_user_model().objects.create_user(username, f"{username}@example.com", "pw")
    user.is_staff = True
    user.save()
    permissions = Permission.objects.filter(
        content_type__app_label="approvals", codename__in=codenames
    )
    assert permissions.count() == len(codenames), "unknown permission in the test"
    user.user_permissions.add(*permissions)
    return get_user_model().objects.get(pk=user.pk)  # a fresh object: no stale permission cache


def every_permission() -> list[str]:
    return [f"{action}_{name}" for name in KINDS for action in ("request", "approve")]


@pytest.fixture
def staff(db) -> Callable[..., Any]:
    return make_staff


@pytest.fixture
def maker(db) -> Any:
    return make_staff("mary_maker", *every_permission())


@pytest.fixture
def checker(db) -> Any:
    return make_staff("chris_checker", *every_permission())
