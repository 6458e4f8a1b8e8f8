"""Merchant services: they check the business and call `wallets.services`, which alone moves
money. Each public function is one durable transaction (or a read)."""

from merchants.services.disbursements import (
    as_business_refusal,
    disburse,
    disbursement,
    refund,
)
from merchants.services.mandates import (
    approve_mandate,
    cancel_mandate,
    create_mandate,
    customer_mandates,
    debit,
    decline_mandate,
    expire_mandates,
)
from merchants.services.onboarding import (
    add_payment_point,
    create_merchant,
    set_status,
    verify_kyb,
)
from merchants.services.payments import (
    Quote,
    check_account_reference,
    find_point,
    pay,
    pay_request,
    quote,
    replay_of_payment,
    request_to_pay,
)

__all__ = [
    "Quote",
    "add_payment_point",
    "approve_mandate",
    "as_business_refusal",
    "cancel_mandate",
    "check_account_reference",
    "create_mandate",
    "create_merchant",
    "customer_mandates",
    "debit",
    "decline_mandate",
    "disburse",
    "disbursement",
    "expire_mandates",
    "find_point",
    "pay",
    "pay_request",
    "quote",
    "refund",
    "replay_of_payment",
    "request_to_pay",
    "set_status",
    "verify_kyb",
]
