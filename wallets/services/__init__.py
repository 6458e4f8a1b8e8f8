"""The only code that changes a balance. Each public function is one durable transaction.

Other apps (ussd, agents, operators) call these; none of them writes a balance.
"""

from wallets.services.accounts import (
    customer_wallet,
    house_account,
    open_wallet,
    register_customer,
    set_language,
)
from wallets.services.adjustments import post_adjustment
from wallets.services.airtime import buy_airtime
from wallets.services.business import (
    debit_under_mandate,
    disburse,
    disbursement,
    pay_merchant,
)
from wallets.services.holds import (
    commit_hold,
    expire_overdue_holds,
    extend_hold,
    place_hold,
    release_hold,
)
from wallets.services.payment_requests import (
    decline_request,
    expire_payment_requests,
    pay_request,
    pending_requests,
    request_payment,
)
from wallets.services.pins import change_pin, set_pin, unlock_pin, verify_id_number, verify_pin
from wallets.services.posting import (
    CounterLimit,
    FeeRule,
    Leg,
    PostingRequest,
    find_replay,
    one_commit,
    post_request,
    post_together,
    post_transaction,
)
from wallets.services.profile import set_customer_status, set_kyc_tier
from wallets.services.reversals import (
    approve_reversal,
    expire_reversal_requests,
    reject_reversal,
    request_reversal,
    reversible_send,
)
from wallets.services.rules import (
    add_tariff,
    add_tier_limit,
    fee_for,
    limits_for,
    self_registration_tier,
)
from wallets.services.statements import StatementLine, statement
from wallets.services.transfers import (
    fund_from_issuance,
    reverse_transaction,
    send_money,
    send_money_fingerprint,
)

__all__ = [
    "CounterLimit",
    "FeeRule",
    "Leg",
    "PostingRequest",
    "StatementLine",
    "add_tariff",
    "add_tier_limit",
    "approve_reversal",
    "buy_airtime",
    "change_pin",
    "commit_hold",
    "customer_wallet",
    "debit_under_mandate",
    "decline_request",
    "disburse",
    "disbursement",
    "expire_overdue_holds",
    "expire_payment_requests",
    "expire_reversal_requests",
    "extend_hold",
    "fee_for",
    "find_replay",
    "fund_from_issuance",
    "house_account",
    "limits_for",
    "one_commit",
    "open_wallet",
    "pay_merchant",
    "pay_request",
    "pending_requests",
    "place_hold",
    "post_adjustment",
    "post_request",
    "post_together",
    "post_transaction",
    "register_customer",
    "reject_reversal",
    "release_hold",
    "request_payment",
    "request_reversal",
    "reverse_transaction",
    "reversible_send",
    "self_registration_tier",
    "send_money",
    "send_money_fingerprint",
    "set_customer_status",
    "set_kyc_tier",
    "set_language",
    "set_pin",
    "statement",
    "unlock_pin",
    "verify_id_number",
    "verify_pin",
]
