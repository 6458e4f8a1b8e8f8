"""Money across the operator boundary: top-ups (collections) and withdrawals (payouts).

Every request is a row first (the row is its own outbox: a task sends it after commit, and
the poller re-sends one a lost task left unsent); the operator dedupes on our `reference`.
Outcomes arrive by callback, by status query or from the statement, in any order and any
number of times: `apply_outcome` moves a request forward once and posts its money once
(the posting's idempotency key is the request's reference).

- Top-up: nothing moves until the operator says it succeeded; then settlement -> wallet.
- Withdrawal: amount plus fee are held on the wallet first; success commits the hold into
  wallet -> settlement (+ fee income), failure releases it, and an unknown outcome keeps it
  held (its deadline is pushed back) until a status query or the statement settles it. The
  amount counts toward the customer's daily and monthly limits when it is held (the money
  leaves before the commit); a failure gives that back.
- Agent float: an agent buys float from its own M-Pesa or MoMo as a customer tops up
  (`start_float_top_up`, called by agents.services.floats): settlement -> agent float.
- Merchant settlement: a payout from a merchant's account to the business's phone or, by
  Daraja B2B, to its bank's pay-bill (`start_merchant_settlement`, called by
  merchants.settlement); held, then committed or released like a withdrawal, no fee.
"""

from operators.services.common import (
    FINISH_HOOKS,
    OPEN_STATES,
    PAY_BILL,
    PAYOUT_BOUNDS,
    hold_time,
    settlement_account,
)
from operators.services.outcomes import (
    apply_outcome,
    due_for_check,
    finish_hook,
    keep_payouts_held,
    settle_as_reported,
)
from operators.services.sending import check, send
from operators.services.starting import (
    first_check_delay,
    payout_bounds,
    payout_step,
    start_float_top_up,
    start_merchant_settlement,
    start_top_up,
    start_withdrawal,
)

__all__ = [
    "FINISH_HOOKS",
    "OPEN_STATES",
    "PAYOUT_BOUNDS",
    "PAY_BILL",
    "apply_outcome",
    "check",
    "due_for_check",
    "finish_hook",
    "first_check_delay",
    "hold_time",
    "keep_payouts_held",
    "payout_bounds",
    "payout_step",
    "send",
    "settle_as_reported",
    "settlement_account",
    "start_float_top_up",
    "start_merchant_settlement",
    "start_top_up",
    "start_withdrawal",
]
