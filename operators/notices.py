"""The SMS a customer gets when an operator request fails (a success gets its receipt from
the posting). Queued in the same transaction that records the failure, once per request."""

from __future__ import annotations

import logging

from django.core.mail import mail_admins
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from operators.models import OperatorRequest, RequestKind
from ussd.sms.services import queue_sms
from wallets.money import format_amount

logger = logging.getLogger(__name__)

TOP_UP_FAILED = _(
    # Translators: an SMS; {operator} is e.g. M-Pesa; nothing was taken from the customer.
    "Your top-up of {amount} from {operator} did not go through. No money was moved."
)
FLOAT_FAILED = _(
    # Translators: an SMS to an agent; {operator} is e.g. M-Pesa; no float was bought.
    "Your float purchase of {amount} from {operator} did not go through. No money was moved."
)
PAYOUT_FAILED = _(
    # Translators: an SMS; the money held for the withdrawal is available again.
    "Your withdrawal of {amount} to {operator} did not go through. The money is back in your "
    "wallet."
)


def tell_failure(request: OperatorRequest) -> None:
    """SMS the phone the request was for (the customer's, or the agent's for float), in the
    owner's language."""
    customer = request.wallet.customer
    language = customer.language if customer else str(request.metadata.get("language", "en"))
    template = TOP_UP_FAILED if request.kind == RequestKind.COLLECTION else PAYOUT_FAILED
    if request.metadata.get("operation") == "operator_float":
        template = FLOAT_FAILED
    with translation.override(language):
        text = str(template).format(
            amount=format_amount(request.amount, request.currency), operator=request.operator.name
        )
    queue_sms(
        to=request.phone,
        text=text,
        purpose="operator",
        dedup_key=f"operator-failed:{request.reference}",
        language=language,
    )


def tell_escalation(request: OperatorRequest) -> None:
    """Tell operations that a request is still open after every check we allow."""
    text = (
        f"{request.operator.name} {request.get_kind_display()} {request.reference} of "
        f"{format_amount(request.amount, request.currency)} for {request.phone} is still "
        f"{request.state} after {request.attempts} status checks ({request.reason or 'no answer'})."
    )
    logger.error("escalated: %s", text)
    mail_admins(f"Operator request still open: {request.reference}", text, fail_silently=True)
