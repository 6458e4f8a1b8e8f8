"""`manage.py sync_roles`: set the staff groups' permissions from backoffice/roles.py.

`migrate` does the same after every run; this is for a change to the roles without a
migration, or to see which permissions are still missing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from backoffice.sync import sync_roles


class Command(BaseCommand):
    help = "Create the staff groups and set their permissions from backoffice/roles.py."

    def handle(self, *args: Any, **options: Any) -> None:
        result = sync_roles()
        for group, count in result.granted.items():
            self.stdout.write(f"{group}: {count} permissions")
        for name in result.missing:
            self.stdout.write(self.style.WARNING(f"not granted, does not exist (yet): {name}"))
