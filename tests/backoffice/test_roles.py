"""The staff groups: created by the migration, their permissions set from backoffice/roles.py
after every migrate and by `manage.py sync_roles`, idempotently; nobody edits the ledger."""

from __future__ import annotations

import importlib
import logging
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from backoffice import roles
from backoffice.sync import sync_roles

GROUP_NAMES = ["Support", "Agent operations", "Finance", "Compliance"]


def held(group_name: str) -> set[str]:
    permissions = Group.objects.get(name=group_name).permissions.select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


def existing(names: frozenset[str]) -> set[str]:
    every = Permission.objects.values_list("content_type__app_label", "codename")
    return set(names) & {f"{app_label}.{codename}" for app_label, codename in every}


def test_the_groups_are_named_as_the_roles():
    assert [role.group for role in roles.ROLES] == GROUP_NAMES


def test_migrate_leaves_each_group_with_exactly_its_roles_permissions(db):
    for role in roles.ROLES:
        assert held(role.group) == existing(role.permissions), role.group
        assert len(held(role.group)) >= 10, role.group


def test_the_data_migration_creates_the_four_groups_once_however_often_it_runs(db):
    migration = importlib.import_module("backoffice.migrations.0002_staff_groups")
    Group.objects.all().delete()
    for _ in range(2):
        with connection.schema_editor() as editor:
            migration.create_groups(apps, editor)
    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(GROUP_NAMES)


def test_syncing_twice_changes_nothing(db):
    first = {name: held(name) for name in GROUP_NAMES}
    ids = dict(Group.objects.values_list("name", "id"))
    sync_roles()
    sync_roles()
    assert {name: held(name) for name in GROUP_NAMES} == first
    assert dict(Group.objects.values_list("name", "id")) == ids


def test_the_sync_takes_back_a_permission_given_by_hand_and_restores_a_removed_one(db):
    support = Group.objects.get(name="Support")
    support.permissions.add(Permission.objects.get(codename="view_break"))
    support.permissions.remove(Permission.objects.get(codename="view_customer"))
    sync_roles()
    assert "operators.view_break" not in held("Support")
    assert "wallets.view_customer" in held("Support")


def test_a_missing_group_is_created_again(db):
    Group.objects.filter(name="Finance").delete()
    sync_roles()
    assert held("Finance") == existing(roles.FINANCE.permissions)


def test_a_permission_that_does_not_exist_yet_is_skipped_with_a_warning(db, caplog):
    role = roles.Role(
        group="Support",
        summary="",
        permissions=frozenset({"wallets.view_customer", "compliance.view_not_built_yet"}),
    )
    with caplog.at_level(logging.WARNING, logger="backoffice.sync"):
        result = sync_roles(roles=[role])
    assert result.missing == ["compliance.view_not_built_yet"]
    assert "compliance.view_not_built_yet" in caplog.text
    assert held("Support") == {"wallets.view_customer"}


def test_a_role_granting_a_ledger_write_is_refused(db):
    greedy = roles.Role(
        group="Finance", summary="", permissions=frozenset({"wallets.change_posting"})
    )
    with pytest.raises(ImproperlyConfigured, match=r"wallets\.change_posting"):
        sync_roles(roles=[greedy])
    assert "wallets.change_posting" not in held("Finance")


@pytest.mark.parametrize("model", ["account", "transaction", "posting", "housebalance", "hold"])
@pytest.mark.parametrize("action", ["add", "change", "delete"])
def test_no_group_may_edit_a_balance_or_a_posting(db, model, action):
    assert not Permission.objects.filter(
        group__isnull=False, content_type__app_label="wallets", codename=f"{action}_{model}"
    ).exists()
    assert all(f"wallets.{action}_{model}" not in role.permissions for role in roles.ROLES)
    assert roles.forbidden(f"wallets.{action}_{model}")


def test_no_group_deletes_anything_or_manages_people_devices_or_lockouts(db):
    granted = Permission.objects.filter(group__isnull=False).select_related("content_type")
    for permission in granted:
        assert not permission.codename.startswith("delete_"), permission
        assert permission.content_type.app_label not in {
            "auth", "admin", "otp_totp", "otp_static", "axes", "sessions", "contenttypes",
            "authtoken",
        }, permission  # fmt: skip


def test_support_may_not_see_compliance_alerts_or_the_audit_log():
    assert not {p for p in roles.SUPPORT.permissions if p.startswith(("compliance.", "audit."))}
    assert "compliance.view_alert" in roles.COMPLIANCE.permissions


def test_the_pin_unlock_and_reports_permissions_exist_and_are_held(db):
    assert {"wallets.unlock_pin", "wallets.reset_pin"} <= held("Support")
    assert {"backoffice.view_reports", "backoffice.export_reports"} <= held("Finance")
    for other in ("Support", "Agent operations", "Compliance"):
        assert not {"backoffice.view_reports", "backoffice.export_reports"} & held(other)


def test_the_command_reports_each_group_and_what_is_missing(db):
    out = StringIO()
    call_command("sync_roles", stdout=out)
    output = out.getvalue()
    for role in roles.ROLES:
        assert f"{role.group}: {len(existing(role.permissions))} permissions" in output
    for name in sorted(roles.COMPLIANCE.permissions - existing(roles.COMPLIANCE.permissions)):
        assert f"does not exist (yet): {name}" in output
