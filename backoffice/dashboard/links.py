"""Links from the dashboard to admin pages, for those allowed to open them.

A finance user sees the count of open compliance alerts, but the alerts themselves are for
the compliance team: a link that would answer "403 Forbidden" is left out instead.
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse


class AdminLinks:
    def __init__(self, user: Any) -> None:
        self.user = user

    def can_view(self, app: str, model: str) -> bool:
        """The admin's own rule: the view or the change permission."""
        return bool(
            self.user.has_perm(f"{app}.view_{model}") or self.user.has_perm(f"{app}.change_{model}")
        )

    def changelist(self, app: str, model: str, query: str = "") -> str:
        """The list page (with `query`), or "" when the user may not see it."""
        if not self.can_view(app, model):
            return ""
        try:
            url = reverse(f"admin:{app}_{model}_changelist")
        except NoReverseMatch:  # the model has no admin page
            return ""
        return f"{url}?{query}" if query else url

    def change(self, app: str, model: str, pk: int) -> str:
        if not self.can_view(app, model):
            return ""
        return reverse(f"admin:{app}_{model}_change", args=[pk])
