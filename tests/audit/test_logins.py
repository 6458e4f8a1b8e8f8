"""Logins, logouts and failed logins are recorded; a password never is."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.audit.conftest import as_text, records

pytestmark = pytest.mark.django_db

PASSWORD = "Kq7-lamu-Ridge"


@pytest.fixture
def staff() -> User:
    return User.objects.create_user("njeri", password=PASSWORD, is_staff=True)


def log_in(client: Client, password: str) -> int:
    response = client.post(
        reverse("admin:login"), {"username": "njeri", "password": password, "next": "/admin/"}
    )
    return response.status_code


def test_a_failed_login_names_the_account_tried_but_never_the_password(staff):
    assert log_in(Client(), "wrong-Password-1") == 200
    failed = records(action="login_failed").get()
    assert (failed.actor, failed.actor_label, failed.channel) == (None, "njeri", "admin")
    assert (failed.object_type, failed.object_id) == ("auth.user", str(staff.pk))
    assert failed.path == reverse("admin:login")
    assert "wrong-Password-1" not in as_text(failed)
    assert not records(action="login").exists()


def test_a_failed_login_for_nobody_is_recorded_too(db):
    Client().post(reverse("admin:login"), {"username": "ghost", "password": "x"})
    failed = records(action="login_failed").get()
    assert (failed.actor_label, failed.object_id) == ("ghost", "")


def test_login_and_logout_are_recorded_against_the_user(staff):
    client = Client()
    assert log_in(client, PASSWORD) == 302
    assert client.post(reverse("admin:logout")).status_code == 200
    login, logout = records(action__in=["login", "logout"])
    assert (login.action, login.actor, login.channel) == ("login", staff, "admin")
    assert (logout.action, logout.actor) == ("logout", staff)
    assert login.request_id != logout.request_id
    assert PASSWORD not in as_text(login)
    assert not records(action="post").exists()  # the login page is not also a "post"
