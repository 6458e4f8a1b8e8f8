"""One function per kind of rule: `evaluate(rule, context) -> list[Hit]`.

Each reads only the subjects in the scan's context and aggregates their window in SQL; none
writes. `compliance.engine` runs them and turns hits into alerts.
"""

from __future__ import annotations

from collections.abc import Callable

from compliance.models import Rule, RuleKind
from compliance.rules import dormant, fan, rapid, shared_id, structuring, velocity
from compliance.rules.base import Context, Hit

Evaluator = Callable[[Rule, Context], list[Hit]]

EVALUATORS: dict[str, Evaluator] = {
    RuleKind.VELOCITY: velocity.evaluate,
    RuleKind.STRUCTURING: structuring.evaluate,
    RuleKind.FAN_IN: fan.evaluate,
    RuleKind.FAN_OUT: fan.evaluate,
    RuleKind.RAPID_IN_OUT: rapid.evaluate,
    RuleKind.DORMANT_THEN_ACTIVE: dormant.evaluate,
    RuleKind.SHARED_ID_NUMBER: shared_id.evaluate,
}

__all__ = ["EVALUATORS", "Context", "Evaluator", "Hit"]
