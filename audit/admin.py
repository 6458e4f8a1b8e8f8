"""The audit log in the admin: searchable, filterable, and read-only for everyone.

Nobody adds, changes or deletes a record here, superusers included (the database refuses it
anyway). The detail page shows the row before and after side by side, changed fields first.
Who may read the log is the model's "view" permission.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from audit.models import Action, AuditRecord

ABSENT = "—"
STANDARD_ACTIONS = [
    Action.CREATE,
    Action.UPDATE,
    Action.DELETE,
    Action.LOGIN,
    Action.LOGOUT,
    Action.LOGIN_FAILED,
]


class ActionFilter(admin.SimpleListFilter):
    """The actions this app records itself; other action names (an admin action's, a
    service's) are found by searching for the exact name. Fixed choices: no scan of the log."""

    title = "action"
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(action, action.replace("_", " ")) for action in STANDARD_ACTIONS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(action=self.value()) if self.value() else queryset


class ObjectTypeFilter(admin.SimpleListFilter):
    """The models the admin manages (the ones admin writes touch), without a scan of the log."""

    title = "object type"
    parameter_name = "object_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        models = sorted(model_admin.admin_site._registry, key=lambda m: m._meta.label_lower)
        return [
            (m._meta.label_lower, f"{m._meta.app_label}: {m._meta.verbose_name}") for m in models
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(object_type=self.value()) if self.value() else queryset


class ActorFilter(admin.SimpleListFilter):
    """Staff members (API clients and devices are found by searching their name)."""

    title = "actor"
    parameter_name = "actor"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        users = get_user_model()._default_manager.filter(is_staff=True)
        return [(str(user.pk), user.get_username()) for user in users.order_by("pk")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(actor_id=self.value()) if self.value() else queryset


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    list_display = [
        "at",
        "actor_label",
        "channel",
        "action",
        "object_type",
        "object_repr",
        "changed",
        "status_code",
        "client_ip",
    ]
    # The log grows without end: no filter lists the distinct values of a column.
    list_filter = ["channel", ActionFilter, ActorFilter, ObjectTypeFilter]
    date_hierarchy = "at"
    search_fields = [
        "object_repr",
        "path",
        "actor_label",
        "actor__username",
        "=object_id",
        "=request_id",
        "=action",
    ]
    list_select_related = ["actor"]
    show_full_result_count = False  # a count of the whole log on every page is not needed
    fieldsets = [
        (
            None,
            {"fields": ["at", "actor_label", "channel", "action", "object_link", "reason"]},
        ),
        ("Before and after", {"fields": ["changes"]}),
        (
            "Request",
            {
                "fields": [
                    "path",
                    "method",
                    "status_code",
                    "client_ip",
                    "request_id",
                    "idempotency_key",
                    "details_shown",
                ]
            },
        ),
    ]
    readonly_fields = [
        "at",
        "actor_label",
        "channel",
        "action",
        "object_link",
        "reason",
        "changes",
        "path",
        "method",
        "status_code",
        "client_ip",
        "request_id",
        "idempotency_key",
        "details_shown",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="changed")
    def changed(self, entry: AuditRecord) -> str:
        return ", ".join(entry.changed_fields)

    @admin.display(description="object")
    def object_link(self, entry: AuditRecord) -> SafeString | str:
        text = " ".join(filter(None, [entry.object_type, entry.object_id, entry.object_repr]))
        app_label, _, model_name = entry.object_type.partition(".")
        if not (text and entry.object_id and model_name):
            return text or ABSENT
        try:
            url = reverse(f"admin:{app_label}_{model_name}_change", args=[entry.object_id])
        except NoReverseMatch:
            return text
        return format_html('<a href="{}">{}</a>', url, text)

    @admin.display(description="fields")
    def changes(self, entry: AuditRecord) -> SafeString | str:
        rows = diff_rows(entry)
        if not rows:
            return ABSENT
        body = format_html_join(
            "",
            '<tr{}><th scope="row">{}</th><td>{}</td><td>{}</td></tr>',
            (
                (SafeString(' style="font-weight:bold"') if changed else "", name, old, new)
                for name, old, new, changed in rows
            ),
        )
        return format_html(
            '<table class="audit-diff"><thead><tr><th>field</th><th>before</th>'
            "<th>after</th></tr></thead><tbody>{}</tbody></table>",
            body,
        )

    @admin.display(description="details")
    def details_shown(self, entry: AuditRecord) -> SafeString | str:
        if not entry.details:
            return ABSENT
        text = json.dumps(entry.details, indent=2, ensure_ascii=False, sort_keys=True)
        return format_html("<pre>{}</pre>", text)


def diff_rows(entry: AuditRecord) -> list[tuple[str, str, str, bool]]:
    """(field, before, after, changed) for every field on either side, changed ones first."""
    before, after = entry.before or {}, entry.after or {}
    changed = set(entry.changed_fields)
    names = sorted(before.keys() | after.keys(), key=lambda name: (name not in changed, name))
    return [(name, shown(before, name), shown(after, name), name in changed) for name in names]


def shown(values: dict[str, Any], name: str) -> str:
    if name not in values or values[name] is None:
        return ABSENT
    value = values[name]
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
