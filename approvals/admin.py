"""Change requests in the admin: ask for a change (a form per kind), read it, decide it.

Nothing here decides what a change may do: asking goes through `services.request_change`
(the kind checks the payload), deciding through `services.approve` / `reject` (which check
the permission and that the checker is not the maker). A request is never edited or deleted
in the admin; the add page asks for the kind first, then shows that kind's form.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from approvals import services
from approvals.errors import ApprovalRefused
from approvals.forms import FORMS, ChangeForm, DecisionForm
from approvals.kinds import KINDS
from approvals.models import ChangeRequest, ChangeState
from wallets.admin.common import admin_link


class NoteActionForm(ActionForm):
    """The list's action bar, with the note recorded with each decision."""

    note = forms.CharField(
        required=False,
        label="Note",
        widget=forms.TextInput(attrs={"placeholder": "note for the decision", "size": 30}),
    )


def has_any(user: Any, action: str) -> bool:
    """Whether `user` may `action` ("request" or "approve") at least one kind of change."""
    return any(user.has_perm(f"approvals.{action}_{name}") for name in KINDS)


def kinds_visible_to(user: Any) -> list[str] | None:
    """The kinds of request `user` may see; None for all. Without the view permission, only
    the kinds they may ask for or decide: a freeze request tells of an investigation, which
    customer-facing staff must not learn (no tipping off)."""
    if user.has_perm("approvals.view_changerequest"):
        return None
    return [
        name
        for name, kind in KINDS.items()
        if user.has_perm(kind.request_permission) or user.has_perm(kind.approve_permission)
    ]


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "description", "state", "maker", "checker", "created_at"]
    list_filter = ["state", "kind"]
    search_fields = ["description", "reason", "maker__username", "checker__username"]
    list_select_related = ["maker", "checker"]
    date_hierarchy = "created_at"
    actions = ["approve_selected", "reject_selected"]
    action_form = NoteActionForm
    fields = readonly_fields = (
        "kind",
        "description",
        "target_link",
        "payload_shown",
        "reason",
        "maker",
        "created_at",
        "state",
        "checker",
        "decided_at",
        "decision_note",
        "result",
        "transaction_link",
        "applied_at",
    )

    # Staff see requests if they may ask for or decide some kind; nobody edits or deletes one.
    def get_queryset(self, request: HttpRequest) -> QuerySet[ChangeRequest]:
        queryset = super().get_queryset(request)
        kinds = kinds_visible_to(request.user)
        return queryset if kinds is None else queryset.filter(kind__in=kinds)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user = request.user
        return (
            super().has_view_permission(request, obj)
            or has_any(user, "request")
            or (has_any(user, "approve"))
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return has_any(request.user, "request")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return has_any(request.user, "approve")

    @admin.display(description="about")
    def target_link(self, change: ChangeRequest) -> SafeString | str:
        try:
            return admin_link(change.target)
        except NoReverseMatch:  # a target without an admin page: name it
            return str(change.target)

    @admin.display(description="the exact change")
    def payload_shown(self, change: ChangeRequest) -> SafeString:
        return format_html("<pre>{}</pre>", json.dumps(change.payload, indent=2, sort_keys=True))

    @admin.display(description="posting")
    def transaction_link(self, change: ChangeRequest) -> SafeString | str:
        return admin_link(change.transaction)

    # Asking: the kind first, then its form.
    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        name = request.GET.get("kind", "")
        kind = KINDS.get(name)
        if kind is None or name not in FORMS or not request.user.has_perm(kind.request_permission):
            return self._kind_choice(request)
        form_class = FORMS[name]
        initial = {key: value for key, value in request.GET.items() if key != "kind"}
        form = form_class(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            change = self._request(request, name, form)
            if change is not None:
                self.log_addition(request, change, [{"added": {}}])
                messages.success(
                    request, f"Change request #{change.pk} waits for another staff member."
                )
                url = reverse("admin:approvals_changerequest_change", args=[change.pk])
                return HttpResponseRedirect(url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Request: {kind.label}",
            "kind": kind,
            "form": form,
        }
        return TemplateResponse(request, "admin/approvals/changerequest/request_form.html", context)

    def _kind_choice(self, request: HttpRequest) -> HttpResponse:
        # Kinds asked for from their own pages (a reconciliation break) have no form here.
        allowed = [
            kind
            for kind in KINDS.values()
            if kind.name in FORMS and request.user.has_perm(kind.request_permission)
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Request a change",
            "kinds": allowed,
        }
        return TemplateResponse(request, "admin/approvals/changerequest/kind_choice.html", context)

    def _request(self, request: HttpRequest, name: str, form: ChangeForm) -> ChangeRequest | None:
        try:
            return services.request_change(
                kind=name,
                maker=request.user,
                reason=form.cleaned_data["reason"],
                payload=form.payload(),
            )
        except ValidationError as error:
            add_errors(form, error)
        except ApprovalRefused as error:
            form.add_error(None, error.text)
        return None

    # Deciding: the buttons on the request's page post back to it.
    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        change = self.get_object(request, object_id)
        if change is not None and request.method == "POST":
            if not self.has_view_permission(request, change):
                raise PermissionDenied
            self._decide(request, change)
            return HttpResponseRedirect(request.path)
        extra = {**(extra_context or {})}
        interrupted = change is not None and services.is_interrupted(change)
        if change is not None and (change.state == ChangeState.PENDING or interrupted):
            extra["decision_form"] = DecisionForm()
            extra["may_decide"] = services.may_decide(change, request.user)
            extra["is_maker"] = change.maker_id == request.user.pk
            extra["interrupted"] = interrupted
        return super().change_view(request, object_id, form_url, extra)

    def _decide(self, request: HttpRequest, change: ChangeRequest) -> None:
        note = request.POST.get("note", "")
        if "_approve" in request.POST:
            self._one(request, change, services.approve, note)
        elif "_reject" in request.POST:
            self._one(request, change, services.reject, note)

    def _one(self, request: HttpRequest, change: ChangeRequest, decide: Any, note: str) -> None:
        """Decide one request and tell the user how it ended."""
        try:
            decided = decide(change=change, checker=request.user, note=note)
        except ApprovalRefused as error:
            self.message_user(request, f"#{change.pk}: {error.text}", messages.ERROR)
            return
        self.log_change(request, decided, f"{decided.get_state_display()}: {note}"[:200])
        if decided.state == ChangeState.FAILED:
            self.message_user(request, f"#{change.pk} failed: {decided.result}", messages.ERROR)
        else:
            state = decided.get_state_display().lower()
            self.message_user(request, f"#{change.pk} {state}. {decided.result}", messages.SUCCESS)

    @admin.action(description="Approve the selected requests", permissions=["decide"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[ChangeRequest]) -> None:
        for change in queryset.filter(state=ChangeState.PENDING):
            self._one(request, change, services.approve, request.POST.get("note", ""))

    @admin.action(description="Reject the selected requests (note why)", permissions=["decide"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[ChangeRequest]) -> None:
        for change in queryset.filter(state=ChangeState.PENDING):
            self._one(request, change, services.reject, request.POST.get("note", ""))


def add_errors(form: ChangeForm, error: ValidationError) -> None:
    """Put a kind's error on the field it names, or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)
