"""Make the staff groups hold exactly the permissions `backoffice.roles` lists.

Permissions exist only once their app has been migrated (Django creates them after
`migrate`, in its post_migrate handler), so the sync runs after every `migrate`, once all
apps have had theirs (`sync_after_migrate`, connected by `BackofficeConfig.ready`), and on
demand with `manage.py sync_roles`. It is idempotent: a second run changes nothing.

A listed permission that does not exist (an app or model not built yet) is skipped and
reported with a warning; the next sync after its migration grants it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, transaction

from backoffice.roles import EXTRA_PERMISSIONS, ROLES, Role, forbidden

logger = logging.getLogger(__name__)


@dataclass
class SyncResult:
    granted: dict[str, int] = field(default_factory=dict)  # group name -> permissions held
    missing: list[str] = field(default_factory=list)  # "app.codename" not found, skipped


def check_roles(roles: Iterable[Role]) -> None:
    """Refuse roles that would let a person edit the ledger by hand."""
    for role in roles:
        if bad := sorted(p for p in role.permissions if forbidden(p)):
            raise ImproperlyConfigured(
                f"{role.group} may not hold {', '.join(bad)}: ledger rows change only "
                "through wallets.services."
            )


def sync_roles(
    *, roles: Iterable[Role] = ROLES, using: str = DEFAULT_DB_ALIAS, apps: Apps = global_apps
) -> SyncResult:
    """Create each role's group if missing and set its permissions to exactly the role's."""
    roles = tuple(roles)
    check_roles(roles)
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    result = SyncResult()
    with transaction.atomic(using=using):
        create_extra_permissions(using=using, apps=apps)
        available = {
            f"{app_label}.{codename}": pk
            for pk, app_label, codename in permission_model.objects.using(using).values_list(
                "pk", "content_type__app_label", "codename"
            )
        }
        for role in roles:
            group, _ = group_model.objects.using(using).get_or_create(name=role.group)
            held = [available[name] for name in sorted(role.permissions) if name in available]
            group.permissions.set(held)
            result.granted[role.group] = len(held)
            result.missing += sorted(role.permissions - available.keys())
    result.missing = sorted(set(result.missing))
    for name in result.missing:
        logger.warning("Staff roles: permission %s does not exist (yet); not granted.", name)
    return result


def create_extra_permissions(*, using: str, apps: Apps) -> None:
    """Create the permissions of `EXTRA_PERMISSIONS` whose model is installed and migrated."""
    content_type_model = apps.get_model("contenttypes", "ContentType")
    permission_model = apps.get_model("auth", "Permission")
    for name, (model, description) in EXTRA_PERMISSIONS.items():
        app_label, _, codename = name.partition(".")
        content_type = (
            content_type_model.objects.using(using).filter(app_label=app_label, model=model).first()
        )
        if content_type is None:
            continue  # not migrated yet: reported as missing by the sync
        permission_model.objects.using(using).get_or_create(
            content_type=content_type, codename=codename, defaults={"name": description}
        )


def sync_after_migrate(sender: AppConfig, *, using: str, apps: Apps, **kwargs: Any) -> None:
    """post_migrate receiver. Django sends the signal once per app, in INSTALLED_APPS order,
    and creates each app's permissions in its own turn: only at the last app do all exist."""
    if sender.label != last_migrated_app().label:
        return
    sync_roles(using=using, apps=apps)


def last_migrated_app() -> AppConfig:
    """The last app post_migrate is sent for (Django skips apps without a models module)."""
    return [config for config in global_apps.get_app_configs() if config.models_module][-1]
