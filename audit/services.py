"""Writing audit records: `record(...)` for any code, `snapshot(obj)` for its before and after.

    before = snapshot(request_row)
    ...apply the change through its service...
    record(actor=staff, action="approve", obj=request_row, reason=note,
           before=before, after=snapshot(request_row), request=http_request)

Admin writes, API writes and logins are recorded without being asked (audit.admin_hooks,
audit.middleware, audit.logins); call `record` for what those cannot see, such as a
maker-checker approval or a compliance decision.

An audit write never breaks the caller: it runs in its own savepoint and a failure is logged,
not raised. Inside the caller's transaction the record commits or rolls back with the
change it describes; after it (autocommit) it stands alone.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction
from django.http import HttpRequest

from audit.context import for_request
from audit.models import AuditRecord, Channel
from audit.snapshots import MASK, SECRET_FIELD_NAME, changed_fields, mask_data, mask_fields
from audit.snapshots import snapshot as snapshot

logger = logging.getLogger(__name__)


def record(
    *,
    action: str,
    actor: Any = None,
    obj: models.Model | None = None,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    request: HttpRequest | Any = None,
    channel: str = "",
) -> AuditRecord | None:
    """Write one audit record now and return it (None if it could not be written).

    `actor` is a user (None: the request's user, if a request is given); `before`/`after`
    are field values, e.g. from `snapshot(obj)`, masked again here by name; `request`
    (Django or DRF) adds path, client address, request id and channel (default "system").
    """
    with quietly(f"recording {action!r}"):
        entry = build(
            action=action,
            actor=actor,
            obj=obj,
            reason=reason,
            before=before,
            after=after,
            details=details,
            request=request,
            channel=channel,
        )
        return entry if save([entry], request=request) else None
    return None


def build(
    *,
    action: str,
    actor: Any = None,
    credential: Any = None,
    obj: models.Model | None = None,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    request: HttpRequest | Any = None,
    channel: str = "",
) -> AuditRecord:
    """An unsaved record: values masked, changed fields listed, the request's facts copied."""
    if request is not None and actor is None:
        actor = getattr(request, "user", None)
        credential = credential or getattr(request, "auth", None)
    user, label = describe_actor(actor, credential)
    model = type(obj) if obj is not None else None
    entry = AuditRecord(
        actor=user,
        actor_label=label,
        action=action[:100],
        reason=reason,
        before=None if before is None else mask_fields(before, model),
        after=None if after is None else mask_fields(after, model),
        changed_fields=changed_fields(before, after),
        details=mask_data(details or {}),
    )
    if obj is not None:
        describe_object(entry, obj)
    if request is not None:
        context = for_request(request)
        context.stamp(entry)
        entry.channel = channel or context.channel
    else:
        entry.channel = channel or Channel.SYSTEM
    return entry


def save(entries: Iterable[AuditRecord], *, request: Any = None) -> bool:
    """Insert `entries` in a savepoint; log and swallow any failure (see the module docstring)."""
    entries = list(entries)
    if not entries:
        return True
    try:
        with transaction.atomic():
            AuditRecord.objects.bulk_create(entries)
    except Exception:
        logger.exception(
            "audit: %d record(s) not written (%s)", len(entries), entries[0].action or "?"
        )
        return False
    if request is not None:
        for_request(request).written += len(entries)
    return True


@contextlib.contextmanager
def quietly(what: str) -> Iterator[None]:
    """Run audit work (snapshots, records) so that a failure is logged, never raised."""
    try:
        yield
    except Exception:
        logger.exception("audit: %s failed", what)


def describe_actor(actor: Any, credential: Any = None) -> tuple[Any, str]:
    """The user to link (an AUTH_USER_MODEL row, or None) and the text to show for whoever acted.

    A client that is not a Django user (an agent app's device) is named by its credential,
    a model row; a user's credential (a DRF token) is never shown, as its text is the token.
    """
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, ""
    if isinstance(actor, AbstractBaseUser):
        return actor, actor.get_username()[:200]
    if isinstance(credential, models.Model):
        meta = credential._meta
        return None, f"{meta.model_name}:{credential.pk} {credential}"[:200]
    get_username = getattr(actor, "get_username", None)
    return None, str(get_username() if callable(get_username) else actor)[:200]


def describe_object(entry: AuditRecord, obj: models.Model) -> None:
    """Name `obj` on `entry`; a row whose key is itself a secret (a DRF token) by type only."""
    meta = obj._meta
    entry.object_type = meta.label_lower
    if meta.pk is not None and SECRET_FIELD_NAME.search(meta.pk.name):
        entry.object_id, entry.object_repr = MASK, f"{meta.verbose_name} {MASK}"
        return
    entry.object_id = str(obj.pk)[:64] if obj.pk is not None else ""
    entry.object_repr = str(obj)[:200]
