"""Merchants and partners: businesses customers pay and that pay customers.

A `Merchant` is one business: it owns a ledger account of kind `merchant` (its e-money,
opened by the onboarding service and changed only by postings), takes payments at its
`PaymentPoint`s (a till for Buy Goods, a pay-bill number with an account reference), may
debit customers under their `Mandate`s, may pay customers out (disbursements), and is swept to
its bank or operator account by a daily `Settlement`. Partners integrating by API are
merchants with `PartnerCredential`s; their notifications go out as signed `WebhookDelivery`s.
"""

from merchants.models.business import (
    BusinessStatus,
    Merchant,
    PaymentPoint,
    PointKind,
    SettlementMethod,
)
from merchants.models.integration import PartnerCredential, Scope, WebhookDelivery, WebhookState
from merchants.models.mandates import Mandate, MandateState
from merchants.models.settlements import Settlement, SettlementState

__all__ = [
    "BusinessStatus",
    "Mandate",
    "MandateState",
    "Merchant",
    "PartnerCredential",
    "PaymentPoint",
    "PointKind",
    "Scope",
    "Settlement",
    "SettlementMethod",
    "SettlementState",
    "WebhookDelivery",
    "WebhookState",
]
