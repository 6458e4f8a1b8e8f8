"""Dormancy notices, and reactivation of a dormant wallet after an ID check (asked through
maker-checker: a second person approves it in the approvals queue)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from compliance import dormancy
from compliance.admin.common import NoteActionForm, note_from, run_each
from compliance.models import DormancyNotice
from wallets.admin.common import ReadOnlyPermissions


@admin.register(DormancyNotice)
class DormancyNoticeAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = [
        "customer",
        "last_activity_at",
        "warned_at",
        "marked_dormant_at",
        "status",
        "reactivation_requested_at",
    ]
    list_filter = [("marked_dormant_at", admin.EmptyFieldListFilter), "customer__status"]
    search_fields = ["customer__phone", "customer__name"]
    list_select_related = ["customer", "reactivation_requested_by"]
    fields = readonly_fields = (
        "customer",
        "last_posting_id",
        "last_activity_at",
        "warned_at",
        "marked_dormant_at",
        "reactivation_requested_by",
        "reactivation_requested_at",
        "reactivation_note",
        "reactivation_request",
    )
    action_form = NoteActionForm
    actions = ["request_reactivation"]

    @admin.display(description="wallet status")
    def status(self, notice: DormancyNotice) -> str:
        return notice.customer.get_status_display()

    def has_reactivate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("compliance.request_reactivation")

    @admin.action(
        description="Reactivate: I checked the ID (the note says how); ask a second person",
        permissions=["reactivate"],
    )
    def request_reactivation(
        self, request: HttpRequest, queryset: QuerySet[DormancyNotice]
    ) -> None:
        note = note_from(request)
        run_each(
            self,
            request,
            {notice.customer_id: notice.customer for notice in queryset}.values(),
            lambda customer: dormancy.request_reactivation(
                customer=customer, maker=request.user, note=note
            ),
            "reactivation request(s) sent for approval",
        )
