"""Field values of a model row as JSON, with secrets masked, and what changed between two.

Two name rules decide what is a secret:

- a model field whose name contains pin, password, secret, token, key, hash or text (an SMS
  body may carry a start PIN) is masked when it can hold text. Numbers, flags and times
  cannot hold a secret, so `failed_pin_attempts` and `pin_locked_until` stay readable: an
  auditor sees that a PIN was unlocked, never the PIN;
- request data (API bodies, admin form fields) also masks `code` (withdrawal codes) and
  `text` (USSD input): `wallets.logging.SECRET_FIELDS`, whatever the value's type.

Masked values read "********". Changes are detected on the values before masking, so a PIN
change still lists `pin_hash` among the changed fields.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from wallets.logging import SECRET_FIELDS

MASK = "********"
SECRET_FIELD_NAME = re.compile(r"pin|password|secret|token|key|hash|text", re.IGNORECASE)
SECRET_REQUEST_FIELD = re.compile(
    rf"{SECRET_FIELD_NAME.pattern}|{SECRET_FIELDS.pattern}", re.IGNORECASE
)
# Field types whose values are never secret, whatever the field's name.
NOT_SECRET_TYPES = (
    models.IntegerField,  # and its small, big and positive kinds, but not AutoFields' keys
    models.BooleanField,
    models.DateField,  # and DateTimeField
    models.TimeField,
    models.DurationField,
)


class _Encoder(DjangoJSONEncoder):
    """Django's JSON types (dates, decimals, UUIDs, lazy text); anything else as its text."""

    def default(self, o: Any) -> Any:
        if isinstance(o, bytes | memoryview):
            return f"<{len(o)} bytes>"
        try:
            return super().default(o)
        except TypeError:
            return str(o)


_encoder = _Encoder()
EMPTY: tuple[Any, ...] = (None, "", [], {})


def field_values(obj: models.Model, *, many_to_many: bool = True) -> dict[str, Any]:
    """Every concrete field of `obj` as JSON-safe values (foreign keys as ids), unmasked.

    With `many_to_many`, the ids of related rows too (a user's groups): one query per field.
    """
    values = {
        field.name: json_safe(field.value_from_object(obj)) for field in obj._meta.concrete_fields
    }
    if many_to_many and obj.pk is not None:
        for field in obj._meta.many_to_many:
            related = getattr(obj, field.name).values_list("pk", flat=True)
            values[field.name] = sorted(str(pk) for pk in related)
    return values


def snapshot(obj: models.Model) -> dict[str, Any]:
    """`obj`'s field values as the audit log stores them: JSON, secrets masked."""
    return mask_fields(field_values(obj), type(obj))


def mask_fields(values: dict[str, Any], model: type[models.Model] | None) -> dict[str, Any]:
    """Mask the secret fields of a row's values (see the module docstring)."""
    return {
        name: MASK if is_secret_field(name, model) else mask_data(value)
        for name, value in values.items()
    }


def is_secret_field(name: str, model: type[models.Model] | None) -> bool:
    if not SECRET_FIELD_NAME.search(name):
        return False
    if model is None:
        return True
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return True
    return not isinstance(field, NOT_SECRET_TYPES) or field.primary_key


def mask_data(value: Any) -> Any:
    """Request data or a JSON value with every secret-named key masked, at any depth. A NUL
    character, which PostgreSQL cannot store in text, becomes U+FFFD: a request carrying one
    is still recorded rather than losing its audit record."""
    if isinstance(value, dict):
        return {
            storable(key): MASK if SECRET_REQUEST_FIELD.search(str(key)) else mask_data(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [mask_data(item) for item in value]
    return storable(value)


def storable(value: Any) -> Any:
    return value.replace("\x00", "\ufffd") if isinstance(value, str) else value


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """The names whose values differ; for a row created or deleted, those that had a value."""
    if before is None or after is None:
        values = after or before or {}
        return sorted(name for name, value in values.items() if value not in EMPTY)
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )


def json_safe(value: Any) -> Any:
    """A value JSON can hold: dates as ISO text, decimals and UUIDs as text, bytes as a size."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        value = value.astimezone(datetime.UTC)  # one spelling per instant, to compare
    if isinstance(value, dict | list | tuple):
        return json.loads(_encoder.encode(value))
    return _encoder.default(value)
