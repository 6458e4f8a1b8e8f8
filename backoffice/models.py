"""The back office's own permissions, carried by a model without a table.

Django keeps permissions per model, and the reports (the dashboard and the CSV exports in
`backoffice.dashboard` and `backoffice.exports`) have no model of their own. `Reports` exists
only so that `backoffice.view_reports` and `backoffice.export_reports` are ordinary
permissions, created by `migrate` and granted to groups like any other (backoffice.roles).
"""

from __future__ import annotations

from django.db import models


class Reports(models.Model):
    class Meta:
        managed = False  # no table: a carrier of permissions only
        default_permissions = ()
        permissions = [
            ("view_reports", "Can view the dashboard"),
            ("export_reports", "Can download the CSV exports"),
        ]
        verbose_name = "reports"
        verbose_name_plural = "reports"

    def __str__(self) -> str:
        return "reports"
