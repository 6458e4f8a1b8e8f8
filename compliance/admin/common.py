"""What the compliance admin pages share: the action bar with a note, and figures shown as
money."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.contrib.admin.helpers import ActionForm
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from compliance.errors import ComplianceRefused
from wallets.money import format_amount

# Keys of an alert's figures that are amounts in minor units of its `currency`.
MONEY_KEYS = frozenset(
    {"value", "received", "sent_on", "moved", "limit", "value_threshold", "amounts"}
)


class NoteActionForm(ActionForm):
    """The action bar, with the note (or reason) that assigning aside every action needs."""

    note = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.TextInput(attrs={"placeholder": "note: what you checked and why", "size": 40}),
    )


def note_from(request: HttpRequest) -> str:
    return request.POST.get("note", "").strip()


def run_each(admin: ModelAdmin, request: HttpRequest, items: Any, act: Any, done: str) -> None:
    """Call `act(item)` for each item; report each refusal by name and the count done."""
    count = 0
    for item in items:
        try:
            act(item)
        except ComplianceRefused as refused:
            admin.message_user(request, f"{item}: {refused.text}", messages.ERROR)
        else:
            count += 1
    if count:
        admin.message_user(request, f"{count} {done}.", messages.SUCCESS)


def figures(detail: dict[str, Any]) -> SafeString:
    """An alert's figures as a small table, amounts in money."""
    currency = str(detail.get("currency") or "KES")

    def shown(key: str, value: Any) -> str:
        if key in MONEY_KEYS and isinstance(value, int):
            return format_amount(value, currency)
        if key in MONEY_KEYS and isinstance(value, list):
            return ", ".join(format_amount(v, currency) for v in value if isinstance(v, int))
        if isinstance(value, list):
            return ", ".join(map(str, value))
        return "-" if value is None else str(value)

    rows = format_html_join(
        "",
        "<tr><th>{}</th><td>{}</td></tr>",
        ((key.replace("_", " "), shown(key, value)) for key, value in detail.items()),
    )
    return format_html("<table>{}</table>", rows)
