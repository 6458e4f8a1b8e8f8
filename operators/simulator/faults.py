"""Faults on demand: the ways real operators fail us, applied to the requests a test names.

A rule matches requests by operator, by action and by the caller's reference or the phone.
Without a reference or phone it applies to the next `count` matching requests (default 1);
with one it applies to every request that names it, unless a `count` is given. Rules are
matched when the request arrives, and what they do is written into the transaction's
`Delivery` then, so a fault stays attached to the request it was meant for however late its
callback goes out.

`phantom_in_statement` is not a rule: it adds a statement line at once (see server.py).
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import asdict, dataclass
from typing import Any

MONEY_ACTIONS = ("collection", "payout", "reversal")
ASYNC_ACTIONS = (*MONEY_ACTIONS, "status", "balance")  # Daraja answers these by callback
ACTIONS = (*ASYNC_ACTIONS, "statement")
DEFAULT_ACTIONS = ("collection", "payout")  # a rule naming no action
APPLIES_TO = {
    "error": ACTIONS,  # HTTP 500 on the synchronous call; nothing is done
    "timeout": ACTIONS,  # the call hangs `delay` seconds, then is done; no callback
    "lose_callback": ASYNC_ACTIONS,
    "duplicate_callback": ASYNC_ACTIONS,
    "late_callback": ASYNC_ACTIONS,  # the outcome is reached on time; its callback is late
    "wrong_amount": MONEY_ACTIONS,  # the callback reports `amount` (default: one unit more)
    "missing_from_statement": MONEY_ACTIONS,
}
FAULTS = (*APPLIES_TO, "phantom_in_statement")
DEFAULT_DELAY = {"timeout": 15.0, "late_callback": 5.0}


class FaultError(ValueError):
    """A fault rule that cannot be understood; the message says why."""


@dataclass
class Rule:
    id: int
    fault: str
    operator: str | None = None
    action: str | None = None
    reference: str | None = None
    phone: str | None = None
    count: int | None = 1  # None: every matching request
    delay: float = 0.0
    amount: int | None = None  # wrong_amount: minor units the callback reports
    callback: bool = False  # timeout: send the callback anyway

    def matches(self, operator: str, action: str, reference: str | None, phone: str | None) -> bool:
        actions = (self.action,) if self.action else DEFAULT_ACTIONS
        return (
            action in actions
            and action in APPLIES_TO[self.fault]
            and self.operator in (None, operator)
            and self.reference in (None, reference)
            and self.phone in (None, phone)
        )


@dataclass
class Plan:
    """What the faults matched by one request do to it."""

    error: bool = False
    timeout: float = 0.0
    timeout_callback: bool = False
    lose: bool = False
    duplicate: bool = False
    late: float = 0.0
    wrong_amount: bool = False
    reported_amount: int | None = None
    missing: bool = False


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[Rule] = []
        self._ids = itertools.count(1)

    def add(self, data: dict[str, Any]) -> Rule:
        rule = _parse(data, next(self._ids))
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(rule) for rule in self._rules]

    def plan(
        self, operator: str, action: str, reference: str | None = None, phone: str | None = None
    ) -> Plan:
        """The faults for this request; each rule it matches is used up by one."""
        plan = Plan()
        with self._lock:
            for rule in [r for r in self._rules if r.matches(operator, action, reference, phone)]:
                _apply(rule, plan)
                if rule.count is not None:
                    rule.count -= 1
                    if rule.count <= 0:
                        self._rules.remove(rule)
        return plan


def _apply(rule: Rule, plan: Plan) -> None:
    if rule.fault == "error":
        plan.error = True
    elif rule.fault == "timeout":
        plan.timeout, plan.timeout_callback = rule.delay, rule.callback
    elif rule.fault == "lose_callback":
        plan.lose = True
    elif rule.fault == "duplicate_callback":
        plan.duplicate = True
    elif rule.fault == "late_callback":
        plan.late = rule.delay
    elif rule.fault == "wrong_amount":
        plan.wrong_amount, plan.reported_amount = True, rule.amount
    elif rule.fault == "missing_from_statement":
        plan.missing = True


def _parse(data: dict[str, Any], rule_id: int) -> Rule:
    fault = data.get("fault")
    if fault not in APPLIES_TO:
        raise FaultError(f"fault must be one of {', '.join(FAULTS)}")
    action = data.get("action")
    if action is not None and action not in APPLIES_TO[fault]:
        raise FaultError(f"{fault} applies to actions {', '.join(APPLIES_TO[fault])}")
    if data.get("operator") not in (None, "mpesa", "momo"):
        raise FaultError('operator must be "mpesa" or "momo"')
    targeted = data.get("reference") is not None or data.get("phone") is not None
    count = data.get("count", None if targeted else 1)
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
        raise FaultError("count must be a positive integer")
    delay = data.get("delay", DEFAULT_DELAY.get(fault, 0.0))
    amount = data.get("amount")
    if not isinstance(delay, int | float) or delay < 0:
        raise FaultError("delay must be a number of seconds")
    if amount is not None and (not isinstance(amount, int) or amount <= 0):
        raise FaultError("amount must be a positive integer of minor units")
    return Rule(
        id=rule_id,
        fault=fault,
        operator=data.get("operator"),
        action=action,
        reference=_text(data.get("reference")),
        phone=None if data.get("phone") is None else str(data["phone"]).lstrip("+"),
        count=count,
        delay=float(delay),
        amount=amount,
        callback=bool(data.get("callback", False)),
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)
