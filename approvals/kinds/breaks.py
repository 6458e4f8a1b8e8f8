"""A reconciliation break's resolution (operators.breaks): proposed from the break's page,
applied by `operators.breaks.apply_approved` once a second person approves it here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Model

from approvals.kinds.base import Kind, Payload, whole_number
from operators import breaks
from operators.models import Break, BreakState, Resolution
from wallets.models import Transaction

if TYPE_CHECKING:
    from approvals.models import ChangeRequest


class BreakResolution(Kind):
    """Payload: `break` (id) and `resolution` (one of those that fit the break)."""

    name = "break_resolution"

    def clean(self, payload: Mapping[str, Any]) -> Payload:
        found = Break.objects.filter(pk=whole_number(payload, "break") or 0).first()
        if found is None:
            raise ValidationError({"break": "There is no such break."})
        if found.state == BreakState.RESOLVED:
            raise ValidationError({"break": "The break is resolved already."})
        resolution = str(payload.get("resolution", ""))
        if resolution not in breaks.resolutions_for(found):
            raise ValidationError({"resolution": "That resolution does not fit this break."})
        return {"break": found.pk, "resolution": resolution}

    def describe(self, payload: Payload) -> str:
        found = Break.objects.select_related("reconciliation__operator").get(pk=payload["break"])
        return (
            f"Resolve break #{found.pk} ({found.get_kind_display()}, {found.reference}) of"
            f" {found.reconciliation}: {Resolution(payload['resolution']).label}"
        )

    def target(self, payload: Payload) -> Model | None:
        return Break.objects.get(pk=payload["break"])

    def apply(self, change: ChangeRequest) -> Transaction | None:
        found = Break.objects.get(pk=change.payload["break"])
        return breaks.apply_approved(found=found, checker=change.checker)
