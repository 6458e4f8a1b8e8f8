"""Staff sessions end after SESSION_COOKIE_AGE without a request, and with the browser."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

INDEX = reverse("admin:index")


@pytest.fixture
def signed_in(db, settings) -> Client:
    settings.STAFF_REQUIRE_2FA = False
    client = Client()
    client.force_login(User.objects.create_superuser("njeri", "njeri@example.com", None))
    return client


def session_row(client: Client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def seconds_left(client: Client) -> float:
    return (session_row(client).expire_date - timezone.now()).total_seconds()


def test_the_default_idle_limit_is_thirty_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_a_session_lasts_the_configured_age_from_the_last_request(signed_in, settings):
    settings.SESSION_COOKIE_AGE = 600
    assert signed_in.get(INDEX).status_code == 200
    assert 590 < seconds_left(signed_in) <= 600


def test_each_request_pushes_the_end_back(signed_in, settings):
    Session.objects.filter(pk=session_row(signed_in).pk).update(
        expire_date=timezone.now() + datetime.timedelta(seconds=30)
    )
    assert signed_in.get(INDEX).status_code == 200
    assert seconds_left(signed_in) > settings.SESSION_COOKIE_AGE - 10


def test_an_idle_session_has_expired(signed_in):
    Session.objects.filter(pk=session_row(signed_in).pk).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = signed_in.get(INDEX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_cookie_ends_with_the_browser_and_is_not_readable_by_scripts(signed_in, settings):
    response = signed_in.get(INDEX)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
