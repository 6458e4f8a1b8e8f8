"""Partner credentials and webhook deliveries.

A credential is issued from its add page and rotated by an action; its secret is shown once,
on a page of its own that is not cached, and never again (only a salt is stored, masked in
the audit log like every field named "secret"). Scopes, label and rate limit stay editable;
revoking ends it. Webhook deliveries are read-only; "Replay" sends one again.
"""

from __future__ import annotations

import json
import weakref
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from merchants import credentials, webhooks
from merchants.admin.common import shown_once
from merchants.models import PartnerCredential, Scope, WebhookDelivery


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "merchant",
        "event",
        "state",
        "attempts",
        "last_status",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["state", "event", "method"]
    search_fields = ["event_id", "merchant__name", "url"]
    list_select_related = ["merchant"]
    readonly_fields = [
        field.name for field in WebhookDelivery._meta.fields if field.name != "payload"
    ] + ["body"]
    exclude = ["payload"]
    actions = ["replay"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("merchants.change_webhookdelivery")

    @admin.display(description="payload")
    def body(self, delivery: WebhookDelivery) -> SafeString:
        text = json.dumps(delivery.payload, indent=2, sort_keys=True, ensure_ascii=False)
        return format_html("<pre>{}</pre>", text)

    @admin.action(description="Replay (send again now)", permissions=["replay"])
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        replayed = sum(webhooks.replay(delivery) for delivery in queryset)
        skipped = queryset.count() - replayed
        note = f"; {skipped} still pending, left as they are" if skipped else ""
        self.message_user(request, f"{replayed} webhook(s) queued again{note}.", messages.SUCCESS)


class CredentialForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="What the partner may do through the API.",
    )

    class Meta:
        model = PartnerCredential
        fields = ["merchant", "label", "scopes", "requests_per_minute"]


@admin.register(PartnerCredential)
class PartnerCredentialAdmin(admin.ModelAdmin):
    form = CredentialForm
    list_display = [
        "client_id",
        "merchant",
        "label",
        "scope_list",
        "requests_per_minute",
        "active",
        "last_used_at",
    ]
    list_filter = ["active"]
    search_fields = ["client_id", "label", "merchant__name"]
    list_select_related = ["merchant"]
    autocomplete_fields = ["merchant"]
    actions = ["rotate", "revoke"]
    # The secret issued by the add view, kept only until its page is rendered.
    issued: weakref.WeakKeyDictionary[HttpRequest, str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.issued = weakref.WeakKeyDictionary()

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["merchant", "label", "scopes", "requests_per_minute"]
        return [
            "client_id",
            "merchant",
            "label",
            "scopes",
            "requests_per_minute",
            "active",
            "created_at",
            "revoked_at",
            "last_used_at",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return ["client_id", "merchant", "active", "created_at", "revoked_at", "last_used_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the client id stays on record

    @admin.display(description="scopes")
    def scope_list(self, credential: PartnerCredential) -> str:
        return ", ".join(credential.scopes) or "-"

    def save_model(
        self, request: HttpRequest, obj: PartnerCredential, form: Any, change: bool
    ) -> None:
        if not change:
            self.issued[request] = credentials.assign_new_secret(obj)
        super().save_model(request, obj, form, change)

    def response_add(
        self, request: HttpRequest, obj: PartnerCredential, post_url_continue: Any = None
    ) -> HttpResponse:
        secret = self.issued.pop(request, None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        return shown_once(
            self,
            request,
            title="Partner credential issued",
            intro="The partner signs its API requests with this secret; only a salt is stored.",
            shown=[(obj.merchant, obj.client_id, secret)],
            back=self.changelist_url(),
        )

    def changelist_url(self) -> str:
        return reverse("admin:merchants_partnercredential_changelist")

    @admin.action(
        description="Rotate the secret (shown once; the old one stops now)", permissions=["change"]
    )
    def rotate(
        self, request: HttpRequest, queryset: QuerySet[PartnerCredential]
    ) -> TemplateResponse:
        shown, refused = [], []
        for credential in queryset.select_related("merchant"):
            try:
                secret = credentials.rotate(credential)
            except ValueError as error:
                refused.append(f"{credential.client_id}: {error}")
            else:
                shown.append((credential.merchant, credential.client_id, secret))
        return shown_once(
            self,
            request,
            title="Partner credentials rotated",
            intro="The partner signs its API requests with the new secret; only a salt is stored.",
            shown=shown,
            refused=refused,
            back=self.changelist_url(),
        )

    @admin.action(
        description="Revoke (the partner can no longer call the API)", permissions=["change"]
    )
    def revoke(self, request: HttpRequest, queryset: QuerySet[PartnerCredential]) -> None:
        for credential in queryset:
            credentials.revoke(credential)
        self.message_user(request, f"{queryset.count()} credential(s) revoked.", messages.SUCCESS)
