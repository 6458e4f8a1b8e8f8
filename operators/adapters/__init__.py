"""Operator adapters: one interface (`base.OperatorAdapter`) over Daraja and MoMo.

    adapter = adapter_for(OperatorConfig(code="mpesa", kind="daraja", ...))
    outcome = adapter.collect(reference=str(uuid4()), phone="+254712345678", amount=150_000,
                              description="Top up")

See `base` for the contract (statuses, reasons, which errors mean "may have happened").
"""

from __future__ import annotations

from operators.adapters.base import (
    CallbackResult,
    InvalidCallback,
    InvalidStatement,
    Kind,
    OperatorAdapter,
    OperatorConfig,
    OperatorError,
    OperatorUnavailable,
    Outcome,
    Reason,
    StatementLine,
    Status,
    adapter_for,
)

__all__ = [
    "CallbackResult",
    "InvalidCallback",
    "InvalidStatement",
    "Kind",
    "OperatorAdapter",
    "OperatorConfig",
    "OperatorError",
    "OperatorUnavailable",
    "Outcome",
    "Reason",
    "StatementLine",
    "Status",
    "adapter_for",
]
