"""Assistants (PIN status only, never a hash) and their agent-app devices."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.safestring import SafeString

from agents import services
from agents.models import AgentDevice, Assistant
from wallets import services as wallet_services
from wallets.admin.common import (
    ChangedByApproval,
    ReadOnlyPermissions,
    change_request_link,
    pin_status,
)
from wallets.errors import LedgerError


@admin.register(Assistant)
class AssistantAdmin(ChangedByApproval, admin.ModelAdmin):
    list_display = ["name", "phone", "store", "role", "status", "pin"]
    list_filter = ["status", "role"]
    search_fields = ["name", "phone", "store__agent__agent_number"]
    list_select_related = ["store__agent"]
    fields = ["store", "name", "phone", "language", "role", "status", "status_change", "pin"]
    readonly_fields = ["pin", "status_change"]
    approved_fields = ("status",)
    actions = ["unlock_pin", "issue_device_token"]

    @admin.display(description="change the status")
    def status_change(self, assistant: Assistant) -> SafeString | str:
        if not assistant.pk:
            return "-"
        return change_request_link(
            "agent_status",
            "Request it (a second person approves)",
            level="assistant",
            ref=assistant.phone,
        )

    @admin.display(description="PIN")
    def pin(self, assistant: Assistant) -> str:
        return pin_status(assistant) if assistant.pk else "set by the assistant"

    @admin.action(description="Unlock PIN (after checking the assistant's identity)")
    def unlock_pin(self, request: HttpRequest, queryset: QuerySet[Assistant]) -> None:
        for assistant in queryset:
            wallet_services.unlock_pin(assistant)
        self.message_user(request, f"Unlocked {queryset.count()} PIN(s).", messages.SUCCESS)

    @admin.action(description="Issue an agent-app device token (shown once)")
    def issue_device_token(
        self, request: HttpRequest, queryset: QuerySet[Assistant]
    ) -> TemplateResponse:
        """Shown on a page of its own, never in a message (messages are kept in the session
        or a cookie until read)."""
        issued, refused = [], []
        for assistant in queryset:
            try:
                token = services.issue_device_token(assistant=assistant, name="issued in admin")
            except LedgerError as error:
                refused.append(f"{assistant}: {error.text}")
            else:
                issued.append((assistant, token))
        response = TemplateResponse(
            request,
            "admin/agents/device_tokens.html",
            {
                **self.admin_site.each_context(request),
                "issued": issued,
                "refused": refused,
                "back": request.get_full_path(),
            },
        )
        response["Cache-Control"] = "no-store"
        return response


@admin.register(AgentDevice)
class AgentDeviceAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    """Tokens are issued from the assistant list; here they are only seen and revoked."""

    list_display = ["name", "assistant", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["assistant__phone", "assistant__name", "name"]
    list_select_related = ["assistant"]
    fields = readonly_fields = ("name", "assistant", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("agents.change_agentdevice")

    @admin.action(description="Revoke", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[AgentDevice]) -> None:
        revoked = services.revoke_devices(queryset)
        self.message_user(request, f"{revoked} device(s) revoked.", messages.SUCCESS)
