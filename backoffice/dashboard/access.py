"""Who may see the dashboard and download the CSV exports.

Both show the whole business (and, in statements, one customer's transactions), so they are
for finance and superusers. They are gated twice: the admin site's own check (an active
staff member, plus whatever the site adds, such as a verified second factor), then one of two
model-less permissions that the staff-roles migration grants to the finance group:

- `backoffice.view_reports`: the dashboard;
- `backoffice.export_reports`: the CSV exports (transactions, statements, commissions).
"""

from __future__ import annotations

from typing import Any

VIEW_REPORTS = "backoffice.view_reports"
EXPORT_REPORTS = "backoffice.export_reports"


def is_active_staff(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def can_view_dashboard(user: Any) -> bool:
    """An active staff member with `backoffice.view_reports` (superusers have every permission)."""
    return is_active_staff(user) and user.has_perm(VIEW_REPORTS)


def can_export(user: Any) -> bool:
    """An active staff member with `backoffice.export_reports`."""
    return is_active_staff(user) and user.has_perm(EXPORT_REPORTS)
