"""Helpers for the audit tests: the records written, and an admin form filled as shown."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from django.forms import BaseForm, MultiWidget

from audit.models import AuditRecord
from tests.agents.conftest import network, wanjiku  # noqa: F401 - fixtures for these tests
from tests.wallets.test_api import api  # noqa: F401 - a fixture: a token-holding API client


def records(**filters: Any) -> QuerySet[AuditRecord]:
    return AuditRecord.objects.filter(**filters).order_by("id")


def before(record: AuditRecord) -> dict[str, Any]:
    assert isinstance(record.before, dict)
    return record.before


def after(record: AuditRecord) -> dict[str, Any]:
    assert isinstance(record.after, dict)
    return record.after


def as_text(record: AuditRecord) -> str:
    """Everything a record stores, as one string (to prove a secret is nowhere in it)."""
    fields = {field.name: getattr(record, field.attname) for field in record._meta.fields}
    return json.dumps(fields, default=str)


def shown_values(form: BaseForm) -> dict[str, Any]:
    """The POST data a browser sends for `form` as rendered (unchanged)."""
    data: dict[str, Any] = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue
        widget = bound.field.widget
        if isinstance(widget, MultiWidget):  # a date and a time, for instance
            for index, part in enumerate(widget.decompress(value) or []):
                data[f"{bound.html_name}_{index}"] = "" if part is None else str(part)
            continue
        if value is True:
            data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        else:
            data[bound.html_name] = str(value)
    return data


def change_form_data(response: Any) -> dict[str, Any]:
    """The whole change page's POST data as rendered: the form and every inline formset."""
    data = shown_values(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data |= shown_values(formset.management_form)
        for form in formset.forms:
            data |= shown_values(form)
    return data
