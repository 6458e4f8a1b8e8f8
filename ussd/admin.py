"""USSD sessions in the admin: read-only, for support staff following a customer's call.

A session's stored values never hold a PIN; a new PIN being confirmed is kept as a hash,
and even that is left out of what the admin shows.
"""

from __future__ import annotations

import json

from django.contrib import admin

from ussd.models import UssdSession, UssdSessionEnd
from wallets.admin.common import ReadOnlyPermissions

HIDDEN_VALUES = {"new_pin_hash"}


@admin.register(UssdSession)
class UssdSessionAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = ["session_id", "phone", "screen", "ended", "language", "updated_at"]
    list_filter = ["ended", "language"]
    search_fields = ["session_id", "phone"]
    SHOWN = (
        "session_id",
        "phone",
        "service_code",
        "network_code",
        "language",
        "screen",
        "stack",
        "values_entered",
        "consumed",
        "last_reply",
        "ended",
        "created_at",
        "updated_at",
    )
    fields = SHOWN
    readonly_fields = SHOWN

    @admin.display(description="values entered")
    def values_entered(self, session: UssdSession) -> str:
        shown = {k: v for k, v in session.data.items() if k not in HIDDEN_VALUES}
        return json.dumps(shown, ensure_ascii=False, sort_keys=True)


@admin.register(UssdSessionEnd)
class UssdSessionEndAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = ["session_id", "phone", "status", "hops", "duration_ms", "received_at"]
    list_filter = ["status"]
    search_fields = ["session_id", "phone"]
    SHOWN = (
        "session_id",
        "phone",
        "service_code",
        "network_code",
        "status",
        "duration_ms",
        "hops",
        "cost",
        "input_redacted",
        "last_app_response",
        "error_message",
        "received_at",
    )
    fields = SHOWN
    readonly_fields = SHOWN
