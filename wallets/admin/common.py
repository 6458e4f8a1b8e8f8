"""Helpers shared by the wallet admin classes: read-only permissions, money, links."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from wallets.models import PinProtected
from wallets.money import format_amount


class ReadOnlyPermissions:
    """For ledger rows: viewable, never added, changed or deleted through the admin.

    The signatures fit both ModelAdmin and InlineModelAdmin (whose methods also take `obj`).
    """

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def money(amount: int | None, currency: str) -> str:
    return "-" if amount is None else format_amount(amount, currency)


def admin_link(obj: Model | None, text: str | None = None) -> SafeString | str:
    """A link to `obj`'s admin page, or "-" when there is none."""
    if obj is None:
        return "-"
    meta = obj._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text or str(obj))


def pin_status(holder: PinProtected) -> str:
    """'set', 'not set' or 'locked until …': all the admin ever says about a PIN."""
    if holder.pin_is_locked and holder.pin_locked_until is not None:
        until = timezone.localtime(holder.pin_locked_until)
        return f"locked until {until:%Y-%m-%d %H:%M}"
    return "set" if holder.has_pin else "not set"
