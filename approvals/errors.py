"""Refusals of the maker-checker itself, with a message a person can read.

What a change would do wrong is the kind's `ValidationError` (when asked) or the ledger's
`LedgerError` (when applied); these say who may not act, or that it is too late to.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

# Refusals are named as nouns (style.md), not "...Error".
# ruff: noqa: N818


class ApprovalRefused(Exception):
    message = "This change request cannot be decided now."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)

    @property
    def text(self) -> str:
        return str(self.args[0])


class NotPermitted(ApprovalRefused, PermissionDenied):
    message = "You do not have the permission this kind of change needs."


class MakerCannotDecide(NotPermitted):
    message = "You asked for this change: another staff member must approve or reject it."


class AlreadyDecided(ApprovalRefused):
    message = "This change request has already been decided."


class NoteRequired(ApprovalRefused):
    message = "Say why the change is rejected."
