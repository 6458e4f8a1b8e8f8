"""`make run`'s demo staff: one login per back-office group, created once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from backoffice import demo, roles


@pytest.fixture
def demo_settings(settings):
    settings.DEBUG = True  # seed_demo is a development tool
    settings.STAFF_REQUIRE_2FA = False  # as with DEBUG on
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_one_staff_member_per_group_signs_in_with_the_documented_password(db, demo_settings):
    lines = demo.seed()
    assert [role.group for role in roles.ROLES] == list(demo.STAFF.values())
    for username, group in demo.STAFF.items():
        user = User.objects.get(username=username)
        assert (user.is_staff, user.is_superuser) == (True, False)
        assert list(user.groups.values_list("name", flat=True)) == [group]
        assert any(f"{username} / {username}-demo-2468" in line and group in line for line in lines)
        client = Client()
        assert client.login(username=username, password=f"{username}-demo-2468")
        assert client.get("/admin/").status_code == 200


def test_seeding_again_keeps_a_changed_password(db, demo_settings):
    demo.seed()
    finance = User.objects.get(username="finance")
    finance.set_password("a-private-passphrase")
    finance.save()
    lines = demo.seed()
    assert User.objects.filter(username__in=demo.STAFF).count() == 4
    assert User.objects.get(username="finance").check_password("a-private-passphrase")
    assert any("finance" in line and "password unchanged" in line for line in lines)


def test_seed_demo_prints_the_group_logins_and_the_demo_admin_stays_a_superuser(db, demo_settings):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    output = out.getvalue()
    assert "support / support-demo-2468" in output
    assert "compliance / compliance-demo-2468" in output
    assert User.objects.get(username="admin").is_superuser


def test_the_demo_support_login_sees_customers_but_not_breaks(db, demo_settings):
    demo.seed()
    client = Client()
    assert client.login(username="support", password="support-demo-2468")
    assert client.get("/admin/wallets/customer/").status_code == 200
    assert client.get("/admin/operators/break/").status_code == 403
