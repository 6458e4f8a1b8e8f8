"""Audit every write made through the Django admin, for every ModelAdmin, without touching them.

`install()` (called once from `AuditConfig.ready`) wraps seven methods of Django's own
`ModelAdmin` base class. Every admin in the project inherits them, including ones
registered later or on another AdminSite, and none has to opt in:

- `get_object` (on POST) and `save_model` take the row's field values *before* the form
  changes it (save_model reads the stored row: the list page's inline editing has no
  get_object);
- `log_addition`, `log_change` and `log_deletions` are the points where Django itself
  records a successful add, change or delete (its LogEntry, kept as before); each writes an
  audit record with the values before and after;
- `save_related` records each inline row added, changed or deleted (a tariff's bands), with
  its values before (read from the stored rows) and after. It wraps the admin's own
  `save_formset`, which admins often replace (to stamp who uploaded a document) and which
  fills the formset's `new_objects`, `changed_objects` and `deleted_objects` either way;
- `response_action` records each admin action run on each selected row: the action's name,
  the note or reason typed in the action bar, and the row before and after the action
  (audit.admin_actions).

Why wrap the base class: a mixin or an AdminSite subclass would need every app's admin to
opt in, and one forgotten admin would be writes without a trace. An admin may still override
a hook if it calls super() (tests/audit checks every registered admin). Why not model
signals: a signal sees every save, including the services' own, and cannot tell a staff
member's edit from a posting; the admin's hooks are exactly "a person did this in the
admin", with the request at hand. Admin add, change and delete views run in
a transaction, so their records are written inside it (in a savepoint): a change that rolls
back leaves no record, a committed one always has its record. Actions run outside any
transaction (services commit durably on their own), so their records follow the action;
deletions by an action (delete_selected logs them before deleting) wait for its end and are
kept only for rows really gone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.admin import ModelAdmin
from django.db import models
from django.http import HttpRequest

from audit import services
from audit.admin_actions import ActionRun
from audit.context import for_request
from audit.models import Action, AuditRecord
from audit.snapshots import field_values

_INSTALLED = "_audit_hooks_installed"


def install() -> None:
    """Wrap ModelAdmin's hooks (idempotent)."""
    if getattr(ModelAdmin, _INSTALLED, False):
        return
    for name, wrapper in WRAPPERS.items():
        original = getattr(ModelAdmin, name)
        setattr(ModelAdmin, name, functools.wraps(original)(wrapper(original)))
    setattr(ModelAdmin, _INSTALLED, True)


def key_of(obj: models.Model) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def _get_object(original: Callable[..., Any]) -> Callable[..., Any]:
    def get_object(self: ModelAdmin, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        obj = original(self, request, *args, **kwargs)
        if obj is not None and request.method == "POST":
            with services.quietly("the values before a change"):
                for_request(request).before.setdefault(key_of(obj), field_values(obj))
        return obj

    return get_object


def _save_model(original: Callable[..., Any]) -> Callable[..., Any]:
    def save_model(
        self: ModelAdmin, request: HttpRequest, obj: models.Model, form: Any, change: bool
    ) -> None:
        context = for_request(request)
        if change and key_of(obj) not in context.before:
            with services.quietly("the values before a change"):
                stored = type(obj)._default_manager.filter(pk=obj.pk).first()
                if stored is not None:
                    context.before[key_of(obj)] = field_values(stored)
        original(self, request, obj, form, change)

    return save_model


def _log_addition(original: Callable[..., Any]) -> Callable[..., Any]:
    def log_addition(self: ModelAdmin, request: HttpRequest, obj: models.Model, message: Any):
        logged = original(self, request, obj, message)
        with services.quietly("an admin addition"):
            write_now(request, [model_record(request, obj, Action.CREATE, None, message)])
        return logged

    return log_addition


def _log_change(original: Callable[..., Any]) -> Callable[..., Any]:
    def log_change(self: ModelAdmin, request: HttpRequest, obj: models.Model, message: Any):
        logged = original(self, request, obj, message)
        with services.quietly("an admin change"):
            before = for_request(request).before.pop(key_of(obj), None)
            write_now(request, [model_record(request, obj, Action.UPDATE, before, message)])
        return logged

    return log_change


def _log_deletions(original: Callable[..., Any]) -> Callable[..., Any]:
    def log_deletions(self: ModelAdmin, request: HttpRequest, queryset: Iterable[models.Model]):
        logged = original(self, request, queryset)
        with services.quietly("an admin deletion"):
            entries = [
                model_record(request, obj, Action.DELETE, field_values(obj), None)
                for obj in queryset
            ]
            context = for_request(request)
            if context.actions_running:  # delete_selected: the rows go after this call
                context.deferred_deletions.extend(entries)
            else:  # the delete view: in its transaction, with the deletion
                write_now(request, entries)
        return logged

    return log_deletions


def _save_related(original: Callable[..., Any]) -> Callable[..., Any]:
    def save_related(
        self: ModelAdmin, request: HttpRequest, form: Any, formsets: Any, change: bool
    ) -> None:
        stored: list[dict[int, tuple[str, dict[str, Any]]]] = []
        with services.quietly("the values before an inline change"):
            stored = [stored_rows(formset) for formset in formsets]
        original(self, request, form, formsets, change)
        with services.quietly("an admin inline change"):
            for formset, rows in zip(formsets, stored, strict=True):
                write_now(request, inline_records(request, formset, rows))

    return save_related


def _response_action(original: Callable[..., Any]) -> Callable[..., Any]:
    def response_action(self: ModelAdmin, request: HttpRequest, queryset: models.QuerySet):
        run = None
        with services.quietly("an admin action's values before"):
            run = ActionRun.start(self, request, queryset)
        if run is None:
            return original(self, request, queryset)
        context = for_request(request)
        context.actions_running += 1
        try:
            response = original(self, request, queryset)
        except Exception as error:
            run.failure = type(error).__name__
            raise
        finally:
            context.actions_running -= 1
            with services.quietly("an admin action"):
                run.finish()
        return response

    return response_action


WRAPPERS: dict[str, Callable[[Callable[..., Any]], Callable[..., Any]]] = {
    "get_object": _get_object,
    "save_model": _save_model,
    "log_addition": _log_addition,
    "log_change": _log_change,
    "log_deletions": _log_deletions,
    "save_related": _save_related,
    "response_action": _response_action,
}


def model_record(
    request: HttpRequest,
    obj: models.Model,
    action: str,
    before: dict[str, Any] | None,
    message: Any,
) -> AuditRecord:
    after = None if action == Action.DELETE else field_values(obj)
    details = {"change_message": message} if message else {}
    return services.build(
        action=action, obj=obj, before=before, after=after, details=details, request=request
    )


def write_now(request: HttpRequest, entries: list[AuditRecord]) -> None:
    services.save(entries, request=request)


def stored_rows(formset: Any) -> dict[int, tuple[str, dict[str, Any]]]:
    """The stored values of a formset's existing rows, by the identity of the form's instance
    (validation has already changed the instances; a deleted one loses its pk)."""
    instances = {form.instance.pk: form.instance for form in getattr(formset, "initial_forms", [])}
    if not instances:
        return {}
    model = formset.model
    rows = model._default_manager.filter(pk__in=[pk for pk in instances if pk is not None])
    return {id(instances[row.pk]): (str(row.pk), field_values(row)) for row in rows}


def inline_records(
    request: HttpRequest, formset: Any, stored: dict[int, tuple[str, dict[str, Any]]]
) -> list[AuditRecord]:
    """A record per inline row the formset saved: added, changed (with its fields) or deleted.

    Rows an admin's own save_formset left unsaved (new without a pk) or undeleted (a deleted
    row's pk becomes None) are not recorded.
    """
    entries = [
        model_record(request, obj, Action.CREATE, None, None)
        for obj in getattr(formset, "new_objects", [])
        if obj.pk is not None
    ]
    for obj, _fields in getattr(formset, "changed_objects", []):
        before = stored.get(id(obj), ("", None))[1]
        entries.append(model_record(request, obj, Action.UPDATE, before, None))
    for obj in getattr(formset, "deleted_objects", []):
        if obj.pk is not None:
            continue
        pk, before = stored.get(id(obj), ("", {}))
        entry = model_record(request, obj, Action.DELETE, before, None)
        entry.object_id = pk
        entries.append(entry)
    return entries
