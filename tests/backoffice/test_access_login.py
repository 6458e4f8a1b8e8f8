"""Signing in to the admin: two-factor codes when required, and lockout after failures."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.checks import staff_two_factor

PASSWORD = "a-Staff-passphrase-2468"
LOGIN = reverse("admin:login")
INDEX = reverse("admin:index")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Each sign-in hashes a password; Argon2 at the production cost makes the lockout tests slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def two_factor(settings):
    settings.STAFF_REQUIRE_2FA = True


@pytest.fixture
def staff(db) -> User:
    user = User.objects.create_user("wanjiru", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Support"))
    return user


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def sign_in(client: Client, password: str = PASSWORD, code: str = "", **extra: str):
    data = {"username": "wanjiru", "password": password, "otp_token": code, "next": INDEX}
    return client.post(LOGIN, data | extra)


def text(response) -> str:
    return " ".join(response.content.decode().split())


def signed_in(client: Client) -> bool:
    return client.get(INDEX).status_code == 200


# --- two-factor (STAFF_REQUIRE_2FA) ---


def test_the_login_page_asks_for_a_code_when_two_factor_is_required(client, two_factor):
    page = text(client.get(LOGIN))
    assert 'name="otp_token"' in page
    assert "authenticator app" in page


def test_without_a_device_the_right_password_does_not_open_the_admin(client, staff, two_factor):
    response = sign_in(client, code="123456")
    assert response.status_code == 200
    assert "no two-factor device yet" in text(response)
    assert not signed_in(client)


def test_a_password_only_session_does_not_reach_the_admin_index(client, staff, two_factor):
    client.force_login(staff)
    response = client.get(INDEX)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert "not been confirmed with a second factor" in text(client.get(LOGIN))


def test_the_current_code_of_a_confirmed_device_signs_in(client, staff, two_factor):
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    response = sign_in(client, code=current_code(device))
    assert (response.status_code, response["Location"]) == (302, INDEX)
    assert signed_in(client)


def test_a_wrong_code_is_refused(client, staff, two_factor):
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    response = sign_in(client, code=wrong)
    assert response.status_code == 200
    assert "That code is not right" in text(response)
    assert not signed_in(client)


def test_an_unconfirmed_device_does_not_count(client, staff, two_factor):
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=False)
    response = sign_in(client, code=current_code(device))
    assert "no two-factor device yet" in text(response)
    assert not signed_in(client)


def test_a_backup_code_signs_in_once(staff, two_factor):
    TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    backup = StaticDevice.objects.create(user=staff, name="backup codes", confirmed=True)
    StaticToken.objects.create(device=backup, token="abcd2345")
    first = Client()
    assert sign_in(first, code="abcd2345").status_code == 302
    assert signed_in(first)
    again = Client()
    assert sign_in(again, code="abcd2345").status_code == 200
    assert not signed_in(again)


def test_the_wrong_password_is_refused_before_any_code(client, staff, two_factor):
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    response = sign_in(client, password="not-it", code=current_code(device))
    assert response.status_code == 200
    assert not signed_in(client)


def test_without_two_factor_the_password_alone_signs_in(client, staff, settings):
    settings.STAFF_REQUIRE_2FA = False  # DEBUG's default: `make run`'s demo logins
    assert sign_in(client).status_code == 302
    assert signed_in(client)


def test_the_test_clients_login_works_without_a_request(staff):
    # Django's test client calls authenticate() without a request; the lockout lets it by.
    assert Client().login(username="wanjiru", password=PASSWORD)
    assert not Client().login(username="wanjiru", password="not-it")


# --- lockout (django-axes) ---


def fail(client: Client, times: int, **extra: str) -> list[int]:
    return [sign_in(client, password="wrong", **extra).status_code for _ in range(times)]


def test_the_account_locks_after_the_failure_limit_even_with_the_right_password(
    client, staff, settings
):
    settings.STAFF_REQUIRE_2FA = False
    limit = settings.AXES_FAILURE_LIMIT
    assert fail(client, limit) == [200] * (limit - 1) + [429]
    locked = sign_in(client)
    assert locked.status_code == 429
    page = text(locked)
    assert "Sign-in locked" in page
    assert f"after {limit} wrong attempts" in page
    assert f"for {settings.AXES_COOLOFF_TIME.seconds // 60} minutes" in page
    assert not signed_in(client)


def test_the_lock_holds_one_username_at_one_address(client, staff, settings):
    settings.STAFF_REQUIRE_2FA = False
    fail(client, settings.AXES_FAILURE_LIMIT, REMOTE_ADDR="203.0.113.7")
    assert sign_in(client, REMOTE_ADDR="203.0.113.7").status_code == 429
    elsewhere = Client(REMOTE_ADDR="198.51.100.20")
    assert sign_in(elsewhere).status_code == 302


def test_behind_a_proxy_the_forwarded_client_address_is_locked(client, staff, settings):
    settings.STAFF_REQUIRE_2FA = False
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    fail(attacker, settings.AXES_FAILURE_LIMIT)
    assert sign_in(attacker).status_code == 429
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    colleague = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert sign_in(colleague).status_code == 302


def test_the_lock_ends_after_the_cool_off(client, staff, settings):
    settings.STAFF_REQUIRE_2FA = False
    fail(client, settings.AXES_FAILURE_LIMIT)
    assert sign_in(client).status_code == 429
    cooled = timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1)
    AccessAttempt.objects.update(attempt_time=cooled)
    assert sign_in(client).status_code == 302


def test_a_success_resets_the_count(client, staff, settings):
    settings.STAFF_REQUIRE_2FA = False
    fail(client, settings.AXES_FAILURE_LIMIT - 1)
    assert sign_in(client).status_code == 302
    client.logout()
    assert fail(client, settings.AXES_FAILURE_LIMIT - 1) == [200] * (
        settings.AXES_FAILURE_LIMIT - 1
    )


def test_wrong_codes_with_the_right_password_are_throttled_by_the_device(
    client, staff, two_factor, settings
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # seconds after the first failure, then doubling
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    sign_in(client, code="000000" if current_code(device) != "000000" else "111111")
    response = sign_in(client, code=current_code(device))
    assert response.status_code == 200  # within the device's back-off after a failure
    assert "Verification temporarily disabled" in text(response)
    assert not signed_in(client)


def test_the_deployment_check_warns_when_two_factor_is_off(settings):
    settings.STAFF_REQUIRE_2FA = False
    assert [message.id for message in staff_two_factor()] == ["backoffice.W001"]
    settings.STAFF_REQUIRE_2FA = True
    assert staff_two_factor() == []
