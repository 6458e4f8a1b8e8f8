"""Reversal requests: a sender asks for a mistaken send back; the recipient answers.

As M-Pesa does it (reference/domain-and-security.md 3.2): what the recipient still holds of
the amount is put on hold at once, and both parties are told by SMS. The recipient agrees or
disputes (USSD, or SMS where PINs may be sent) before the case's deadline, which is its hold's
(REVERSAL_HOLD_HOURS):

- agreed, or not disputed by the deadline: the held money goes back to the sender
  (`expire_reversal_requests`, which beat runs before the generic hold expiry, so that a
  lapsed case is reversed rather than released);
- disputed, or rejected by customer care: the hold is released and both are told by SMS.

Staff cannot send the money back on their own: a forced reversal is a maker-checker change
(approvals, kind "forced_reversal") whose approval calls `approve_reversal`.

The hold decides every race. A reversal commits it; a dispute, a rejection or a failed
reversal releases it with an `end_reason` saying which; `settle` closes the case from
whatever the hold did, whoever gets there first.

The fee is refunded only when the whole amount comes back: a partial recovery returns what
was recovered, and the original stays "posted" (it is not mirrored).
"""

from wallets.services.reversals.deciding import (
    DISPUTED,
    LAPSED,
    REJECTED,
    approve_reversal,
    closing_cause,
    consent_to_reversal,
    dispute_reversal,
    expire_reversal_requests,
    reject_reversal,
    settle,
)
from wallets.services.reversals.opening import (
    DECIDED,
    REQUESTED,
    open_reversals_against,
    recipient_wallet,
    request_reversal,
    reversible_send,
    sender_wallet,
)

__all__ = [
    "DECIDED",
    "DISPUTED",
    "LAPSED",
    "REJECTED",
    "REQUESTED",
    "approve_reversal",
    "closing_cause",
    "consent_to_reversal",
    "dispute_reversal",
    "expire_reversal_requests",
    "open_reversals_against",
    "recipient_wallet",
    "reject_reversal",
    "request_reversal",
    "reversible_send",
    "sender_wallet",
    "settle",
]
