"""Admin actions in the audit log: one record per selected row, with the note typed.

`ActionRun` is started by the `response_action` hook (audit.admin_hooks) before Django runs
the action, keeps the selected rows' values, and after the action writes a record per row
with its values before and after, the action's name, and the note or reason from the action
bar. A row the action deleted is recorded by its deletion instead; a selection larger than
ACTION_ROW_LIMIT gets one summary record, so that "select all 80,000" stays one write.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin import ModelAdmin, helpers
from django.db import models
from django.http import HttpRequest

from audit import services
from audit.context import for_request
from audit.models import AuditRecord
from audit.snapshots import field_values

ACTION_ROW_LIMIT = 500
# Posted fields that are the admin's own plumbing, not something the staff member said.
PLUMBING = {"csrfmiddlewaretoken", "action", "index", "select_across", "post", "_save"}
REASON_FIELDS = ("reason", "note", "decision_note", "comment")


def posted_form(request: HttpRequest) -> dict[str, Any]:
    """What the staff member typed (masked when recorded), without the admin's plumbing."""
    return {
        name: values[0] if len(values) == 1 else values
        for name, values in request.POST.lists()
        if name not in PLUMBING and name != helpers.ACTION_CHECKBOX_NAME
    }


def reason_in(form: dict[str, Any]) -> str:
    return next((str(form[name]) for name in REASON_FIELDS if form.get(name)), "")


class ActionRun:
    """One admin action on its selected rows: their values before, then the records after."""

    def __init__(self, request: HttpRequest, name: str, rows: list[models.Model], total: int):
        self.request = request
        self.name = name
        self.model = type(rows[0]) if rows else None
        self.before = {str(row.pk): (row, field_values(row, many_to_many=False)) for row in rows}
        self.total = total
        self.form = posted_form(request)
        self.failure = ""

    @classmethod
    def start(
        cls, admin: ModelAdmin, request: HttpRequest, queryset: models.QuerySet
    ) -> ActionRun | None:
        """The run of the action posted, or None when Django will not run one."""
        names = request.POST.getlist("action")
        try:
            name = names[int(request.POST.get("index", 0))]
        except (IndexError, ValueError):
            return None
        if name not in admin.get_actions(request):
            return None
        if name == "delete_selected" and not request.POST.get("post"):
            return None  # only the confirmation page; the deletions are recorded when confirmed
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if request.POST.get("select_across") not in {"1", "True", "true"}:
            if not selected:
                return None
            queryset = queryset.filter(pk__in=selected)
        total = queryset.count()
        return cls(request, name, list(queryset[:ACTION_ROW_LIMIT]), total)

    def finish(self) -> None:
        """Write the action's records, and the deletions it made that really happened."""
        context = for_request(self.request)
        deleted = self.deleted_rows(context.deferred_deletions)
        entries = [entry for entry in context.deferred_deletions if entry.object_id in deleted]
        context.deferred_deletions.clear()
        for entry in entries:
            entry.details["admin_action"] = self.name
        entries.extend(self.action_records(deleted))
        services.save(entries, request=self.request)

    def deleted_rows(self, pending: list[AuditRecord]) -> set[str]:
        """The ids of pending deletions whose rows are really gone."""
        if not pending or self.model is None:
            return set()
        ids = {entry.object_id for entry in pending}
        remaining = self.model._default_manager.filter(pk__in=ids).values_list("pk", flat=True)
        return ids - {str(pk) for pk in remaining}

    def action_records(self, deleted: set[str]) -> list[AuditRecord]:
        details: dict[str, Any] = {"form": self.form, "selected": self.total}
        if self.failure:
            details["failed"] = self.failure
        if self.total > len(self.before) or self.model is None:
            return [self.summary(details)]
        after = {
            str(row.pk): field_values(row, many_to_many=False)
            for row in self.model._default_manager.filter(pk__in=self.before)
        }
        return [
            services.build(
                action=self.name,
                obj=row,
                reason=reason_in(self.form),
                before=before,
                after=after.get(pk),
                details=details,
                request=self.request,
            )
            for pk, (row, before) in self.before.items()
            if pk not in deleted
        ]

    def summary(self, details: dict[str, Any]) -> AuditRecord:
        """One record for a selection too large to show row by row."""
        entry = services.build(
            action=self.name,
            reason=reason_in(self.form),
            details={**details, "first_ids": list(self.before)},
            request=self.request,
        )
        if self.model is not None:
            entry.object_type = self.model._meta.label_lower
            entry.object_repr = f"{self.total} {self.model._meta.verbose_name_plural}"
        return entry
