"""HTTP statuses of the agent errors that are not refusals (422, the default)."""

from __future__ import annotations

from rest_framework import status

from agents import errors
from wallets.api.errors import register_statuses

register_statuses(
    {
        # The caller may not do this: like a wrong PIN, an authorisation failure.
        errors.OwnerOnly: status.HTTP_403_FORBIDDEN,
        errors.AssistantNotActive: status.HTTP_403_FORBIDDEN,
        errors.WrongCode: status.HTTP_403_FORBIDDEN,
    }
)
