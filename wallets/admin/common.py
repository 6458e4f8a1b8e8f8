"""Helpers shared by the wallet admin classes: read-only permissions, money, links."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
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


def change_request_link(kind: str, text: str, **prefill: Any) -> SafeString | str:
    """A link to request a maker-checker change of `kind` (approvals), its form prefilled."""
    try:
        url = reverse("admin:approvals_changerequest_add")
    except NoReverseMatch:  # the approvals app is not installed
        return "-"
    return format_html('<a href="{}?{}">{}</a>', url, urlencode({"kind": kind, **prefill}), text)


class ChangedByApproval:
    """Fields a person may not change alone (a status, a KYC tier): read-only once the row
    exists; the page links to the maker-checker request that changes them."""

    approved_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        if obj is not None:
            fields += [name for name in self.approved_fields if name not in fields]
        return fields
