"""Why a compliance action was refused, in words staff can read (shown in the admin)."""

from __future__ import annotations

# Domain errors are nouns (style.md), not "...Error".
# ruff: noqa: N818


class ComplianceRefused(Exception):
    message = "The action could not be completed."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)

    @property
    def text(self) -> str:
        return str(self.args[0])


class NoteRequired(ComplianceRefused):
    message = "Write a note saying what you checked and why."


class AlertClosed(ComplianceRefused):
    message = "This alert is already closed."


class NoWalletToFreeze(ComplianceRefused):
    message = "This alert has no customer wallet to freeze."


class ApprovalsUnavailable(ComplianceRefused):
    message = (
        "Maker-checker requests cannot be made yet (the approvals service is not installed);"
        " nothing was requested."
    )


class UpgradeRefused(ComplianceRefused):
    message = "This tier upgrade cannot move on from its current state."


class SanctionsFileInvalid(ComplianceRefused):
    message = "The sanctions file is not in the expected format."
