"""Tier upgrades: capture documents, see the screening, clear a potential match (with the
`clear_sanctions_match` permission), ask for approval (maker-checker), reject.

Documents are served by `document_view` to staff who may view upgrades, never from a public
media URL; the stored names are random."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from compliance import upgrades
from compliance.admin.common import NoteActionForm, note_from, run_each
from compliance.errors import UpgradeRefused
from compliance.models import Screening, TierUpgrade, UpgradeDocument, UpgradeState
from compliance.sanctions import NoSanctionsList


class UpgradeDocumentInline(admin.TabularInline):
    """New documents may be added until the upgrade is decided; none is edited or removed."""

    model = UpgradeDocument
    extra = 1
    fields = ["kind", "file", "original_name", "uploaded_by", "uploaded_at"]
    readonly_fields = ["original_name", "uploaded_by", "uploaded_at"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and not (obj and obj.is_decided)


class TierUpgradeForm(forms.ModelForm):
    class Meta:
        model = TierUpgrade
        fields = ["customer", "requested_tier"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        customer, tier = cleaned.get("customer"), cleaned.get("requested_tier")
        if customer is not None and tier and self.instance.pk is None:
            try:
                upgrades.check_submission(customer=customer, tier=tier)
            except UpgradeRefused as refused:
                raise forms.ValidationError(refused.text) from None
        return cleaned


@admin.register(TierUpgrade)
class TierUpgradeAdmin(admin.ModelAdmin):
    form = TierUpgradeForm
    list_display = [
        "id",
        "customer",
        "requested_tier",
        "state",
        "screening",
        "submitted_at",
        "submitted_by",
    ]
    list_filter = ["state", "screening", "requested_tier"]
    search_fields = ["customer__phone", "customer__name", "customer__id_number"]
    list_select_related = ["customer", "submitted_by"]
    raw_id_fields = ["customer"]
    inlines = [UpgradeDocumentInline]
    action_form = NoteActionForm
    actions = ["screen_again", "clear_match", "request_approval", "reject"]
    readonly_fields = [
        "state",
        "screening",
        "matches_shown",
        "sanctions_load",
        "screened_at",
        "submitted_by",
        "submitted_at",
        "cleared_by",
        "cleared_at",
        "clearance_note",
        "approval_requested_by",
        "approval_requested_at",
        "approval_request",
        "decided_at",
        "decision_note",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: TierUpgrade | None = None) -> Any:
        fixed = ["customer", "requested_tier"] if obj is not None else []
        return [*fixed, *self.readonly_fields]

    def get_fields(self, request: HttpRequest, obj: TierUpgrade | None = None) -> Any:
        if obj is None:
            return ["customer", "requested_tier"]
        return ["customer", "requested_tier", *self.readonly_fields]

    def has_delete_permission(self, request: HttpRequest, obj: TierUpgrade | None = None) -> bool:
        return False  # the record of who approved which documents is kept

    def has_clear_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("compliance.clear_sanctions_match")

    @admin.display(description="sanctions matches")
    def matches_shown(self, upgrade: TierUpgrade) -> SafeString | str:
        if upgrade.screening == Screening.PENDING:
            return "not screened yet"
        if not upgrade.matches:
            return "none"
        return format_html_join(
            "",
            "<p>{} {} {}: {} (score {}, by {}{})</p>",
            (
                (
                    "STRONG" if m.get("strong") else "potential",
                    m["list_name"],
                    m["entry_id"],
                    m["full_name"],
                    m["score"],
                    m["reason"].replace("_", " "),
                    ""
                    if m.get("date_of_birth_agrees") is None
                    else (", birth date agrees" if m["date_of_birth_agrees"] else ""),
                )
                for m in upgrade.matches
            ),
        )

    def save_model(self, request: HttpRequest, obj: TierUpgrade, form: Any, change: bool) -> None:
        if not change:
            obj.submitted_by_id = request.user.pk
        super().save_model(request, obj, form, change)

    def save_formset(
        self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool
    ) -> None:
        for document in formset.save(commit=False):
            document.uploaded_by = request.user
            document.original_name = (document.file.name or "")[:255]
            document.save()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        upgrade = form.instance
        if upgrade.state == UpgradeState.SUBMITTED:
            try:
                upgrades.screen_upgrade(upgrade)
            except NoSanctionsList as missing:
                self.message_user(request, missing.text, "warning")

    @admin.action(description="Screen again against the list in force", permissions=["change"])
    def screen_again(self, request: HttpRequest, queryset: QuerySet[TierUpgrade]) -> None:
        run_each(self, request, queryset, upgrades.screen_upgrade, "upgrade(s) screened")

    @admin.action(
        description="Clear the potential match (the note says why it is not this customer)",
        permissions=["clear"],
    )
    def clear_match(self, request: HttpRequest, queryset: QuerySet[TierUpgrade]) -> None:
        note = note_from(request)
        run_each(
            self,
            request,
            queryset,
            lambda upgrade: upgrades.clear_match(upgrade=upgrade, staff=request.user, note=note),
            "match(es) cleared",
        )

    @admin.action(
        description="Ask for approval of the tier change (maker-checker; the note is the reason)",
        permissions=["change"],
    )
    def request_approval(self, request: HttpRequest, queryset: QuerySet[TierUpgrade]) -> None:
        reason = note_from(request)
        run_each(
            self,
            request,
            queryset,
            lambda upgrade: upgrades.request_approval(
                upgrade=upgrade, maker=request.user, reason=reason
            ),
            "upgrade(s) sent for approval",
        )

    @admin.action(description="Reject (with the note)", permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[TierUpgrade]) -> None:
        note = note_from(request)
        run_each(
            self,
            request,
            queryset,
            lambda upgrade: upgrades.reject_upgrade(upgrade=upgrade, staff=request.user, note=note),
            "upgrade(s) rejected",
        )

    def get_urls(self) -> list[URLPattern]:
        document = path(
            "document/<path:name>",
            self.admin_site.admin_view(self.document_view),
            name="compliance_tierupgrade_document",
        )
        return [document, *super().get_urls()]

    def document_view(self, request: HttpRequest, name: str) -> FileResponse:
        """One document, to staff who may view upgrades; never cached by the browser."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        document = get_object_or_404(UpgradeDocument, file=name)
        try:
            handle = document.file.open("rb")
        except FileNotFoundError:
            raise Http404("The document file is missing.") from None
        response = FileResponse(
            handle, as_attachment=True, filename=document.original_name or name.rsplit("/", 1)[-1]
        )
        response["Cache-Control"] = "no-store"
        return response
