"""The alert queue: filter by state, rule, assignee and deadline; assign to me, note, close
with a note; ask for the wallet to be frozen (a maker-checker request, never a freeze).

Only staff with `compliance.view_alert` see it (support does not: no tipping off)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from compliance import alerts
from compliance.admin.common import NoteActionForm, figures, note_from, run_each
from compliance.models import Alert, AlertState
from compliance.models.alerts import AlertQuerySet
from wallets.admin.common import admin_link


class DeadlineFilter(admin.SimpleListFilter):
    title = "deadline"
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue"), ("on_time", "Open, on time")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.overdue(now)
        if self.value() == "on_time":
            return queryset.still_open().filter(deadline__gte=now)
        return queryset


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "rule",
        "severity",
        "subject",
        "state",
        "assignee",
        "deadline_shown",
        "hits",
        "last_seen_at",
    ]
    list_filter = [
        "state",
        DeadlineFilter,
        "rule",
        "rule__severity",
        ("assignee", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["subject_key", "customer__phone", "customer__name", "agent__agent_number"]
    list_select_related = ["rule", "customer", "agent", "assignee", "account"]
    fields = readonly_fields = (
        "rule",
        "subject",
        "figures_shown",
        "state",
        "assignee",
        "deadline_shown",
        "first_seen_at",
        "last_seen_at",
        "hits",
        "notes",
        "closed_at",
        "closed_by",
        "freeze_request",
    )
    action_form = NoteActionForm
    actions = [
        "assign_to_me",
        "add_note",
        "close_no_action",
        "close_escalated",
        "request_freeze",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # alerts come from the rules

    def has_delete_permission(self, request: HttpRequest, obj: Alert | None = None) -> bool:
        return False  # a case file is kept

    def has_request_freeze_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("compliance.request_freeze")

    @admin.display(description="severity", ordering="rule__severity")
    def severity(self, alert: Alert) -> str:
        return alert.rule.get_severity_display()

    @admin.display(description="subject")
    def subject(self, alert: Alert) -> SafeString | str:
        if alert.agent is not None:
            return admin_link(alert.agent, f"agent {alert.agent}")
        if alert.customer is not None:
            return admin_link(alert.customer)
        return admin_link(alert.account)

    @admin.display(description="deadline", ordering="deadline")
    def deadline_shown(self, alert: Alert) -> SafeString | str:
        moment = f"{timezone.localtime(alert.deadline):%Y-%m-%d %H:%M}"
        if alert.is_overdue:
            return format_html('<strong style="color:#ba2121">{} (overdue)</strong>', moment)
        return moment

    @admin.display(description="figures")
    def figures_shown(self, alert: Alert) -> SafeString:
        return figures(alert.detail)

    @admin.action(description="Assign to me", permissions=["change"])
    def assign_to_me(self, request: HttpRequest, queryset: AlertQuerySet) -> None:
        run_each(
            self,
            request,
            queryset.still_open(),
            lambda alert: alerts.assign(alert=alert, assignee=request.user, by=request.user),
            "alert(s) assigned to you",
        )

    @admin.action(description="Add the note", permissions=["change"])
    def add_note(self, request: HttpRequest, queryset: AlertQuerySet) -> None:
        note = note_from(request)
        run_each(
            self,
            request,
            queryset,
            lambda alert: alerts.add_note(alert=alert, staff=request.user, note=note),
            "note(s) added",
        )

    @admin.action(description="Close: no action needed (with the note)", permissions=["change"])
    def close_no_action(self, request: HttpRequest, queryset: AlertQuerySet) -> None:
        self._close(request, queryset, escalated=False)

    @admin.action(description="Close: escalated (with the note)", permissions=["change"])
    def close_escalated(self, request: HttpRequest, queryset: AlertQuerySet) -> None:
        self._close(request, queryset, escalated=True)

    def _close(self, request: HttpRequest, queryset: AlertQuerySet, *, escalated: bool) -> None:
        note = note_from(request)
        run_each(
            self,
            request,
            queryset.exclude(state__in=[AlertState.CLOSED_NO_ACTION, AlertState.CLOSED_ESCALATED]),
            lambda alert: alerts.close(
                alert=alert, staff=request.user, note=note, escalated=escalated
            ),
            "alert(s) closed",
        )

    @admin.action(
        description="Freeze this wallet: ask a second person (the note is the reason)",
        permissions=["request_freeze"],
    )
    def request_freeze(self, request: HttpRequest, queryset: AlertQuerySet) -> None:
        reason = note_from(request)
        run_each(
            self,
            request,
            queryset,
            lambda alert: alerts.request_freeze(alert=alert, maker=request.user, reason=reason),
            "freeze request(s) sent for approval; nothing is frozen until another person approves",
        )
