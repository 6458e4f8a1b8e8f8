"""What the operator services share: open states, payout bounds, finish hooks, the
settlement account and the hold time."""

from __future__ import annotations

import datetime

from django.conf import settings

from operators.models import (
    Operator,
    RequestState,
)
from wallets import services
from wallets.models import Account, AccountKind

OPEN_STATES = (RequestState.PENDING, RequestState.UNKNOWN)
# Per-request payout bounds by (operator kind, to a pay-bill), in whole units: M-Pesa B2C
# pays KES 10 to 250,000 a transaction; we rely on no other ceiling (B2B, MoMo).
PAYOUT_BOUNDS: dict[tuple[str, bool], tuple[int, int | None]] = {
    ("daraja", False): (10, 250_000),
    ("daraja", True): (10, None),
}
# A payout to a pay-bill (Daraja B2B) carries {"number": ..., "account": ...} under this key of
# its metadata; its `phone` is empty.
PAY_BILL = "pay_bill"
# What must change with a request when it finishes, in the transaction that finishes it, by
# its `metadata["purpose"]`: the dotted path of a function (request, final state) -> None.
# Called explicitly (no signals), and found by path, so a worker that never imported the
# owner's module still runs it. The owner's function replaces the failure SMS.
FINISH_HOOKS = {"merchant_settlement": "merchants.settlement.request_finished"}


def settlement_account(operator: Operator) -> Account:
    """Our mirror of the money we hold at the operator."""
    return services.house_account(AccountKind.SETTLEMENT, operator.currency, name=operator.code)


def hold_time() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.OPERATOR_PAYOUT_HOLD_HOURS)
