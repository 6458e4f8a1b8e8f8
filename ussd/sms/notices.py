"""SMS notices for requests that are not postings: reversal requests and payment requests.

Outbox handlers (registered in `SmsConfig.ready`), so each notice is written in the same
transaction as the change it reports and queued at least once; the dedup key makes a second
delivery add nothing. Postings that follow (the reversal, the payment) get their receipts
from `receipts.py` as usual.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ussd.sms.encoding import plain_name
from ussd.sms.receipts import fit_one_sms, local_phone
from ussd.sms.services import queue_sms
from wallets.models import (
    Customer,
    OutboxMessage,
    PaymentRequest,
    ReversalRequest,
    ReversalState,
)
from wallets.money import format_amount
from wallets.services.reversals import recipient_wallet

NOTICE = "notice"

REVERSAL_ASKED = _(
    # Translators: an SMS to the sender; keep it within 160 characters, plain letters only.
    "Reversal of {original} requested. {held} is on hold at {counterparty}. Customer care "
    "will call you."
)
REVERSAL_ASKED_OF_YOU = _(
    # Translators: an SMS to the recipient of a send the sender wants reversed.
    "{counterparty} asked to reverse {original} of {amount}. {held} in your account is on "
    "hold until customer care calls you. To dispute, call 100."
)
REVERSAL_DECLINED = _(
    # Translators: an SMS to the sender: the reversal request was rejected or ran out of time.
    "Your request to reverse {original} was not approved. Call 100 for help."
)
REVERSAL_RELEASED = _(
    # Translators: an SMS to the recipient: the money put on hold is theirs to use again.
    "The reversal request for {original} is closed. {held} on hold is available to you again."
)
PAYMENT_ASKED = _(
    # Translators: an SMS to the payer of a payment request; {code} is the USSD code.
    "{requester} asks you to pay {amount}. {note}Dial {code}, My account, Pending requests "
    "to pay or decline."
)
PAYMENT_DECLINED = _(
    # Translators: an SMS to whoever asked for a payment.
    "{payer} declined your request for {amount}."
)


def reversal_requested(message: OutboxMessage) -> None:
    request = ReversalRequest.objects.select_related("original", "requested_by").get(
        pk=message.payload["request"]
    )
    sender, recipient = request.requested_by, recipient_wallet(request.original).customer
    values = _reversal_values(request)
    _notify(sender, "asked", request, REVERSAL_ASKED, values, party=recipient)
    _notify(recipient, "asked", request, REVERSAL_ASKED_OF_YOU, values, party=sender)


def reversal_decided(message: OutboxMessage) -> None:
    request = ReversalRequest.objects.select_related("original", "requested_by").get(
        pk=message.payload["request"]
    )
    if request.state == ReversalState.REVERSED:
        return  # the reversal's receipts tell both parties
    values = _reversal_values(request)
    _notify(request.requested_by, "closed", request, REVERSAL_DECLINED, values)
    recipient = recipient_wallet(request.original).customer
    _notify(recipient, "closed", request, REVERSAL_RELEASED, values)


def payment_requested(message: OutboxMessage) -> None:
    request = PaymentRequest.objects.select_related("payer").get(pk=message.payload["request"])
    values = {
        "requester": plain_name(request.requester_name),
        "amount": format_amount(request.amount, request.currency),
        "note": f"{plain_name(request.note)}. " if request.note else "",
        "code": settings.USSD_SERVICE_CODE,
    }
    _send(request.payer, f"payment-request:{request.pk}:asked", PAYMENT_ASKED, values)


def payment_answered(message: OutboxMessage) -> None:
    request = PaymentRequest.objects.select_related("payer", "requester__customer").get(
        pk=message.payload["request"]
    )
    requester = request.requester.customer
    if request.state != "declined" or requester is None:
        return  # a payment gets its receipts; a merchant is told through its own channel
    values = {
        "payer": _name(request.payer),
        "amount": format_amount(request.amount, request.currency),
    }
    _send(requester, f"payment-request:{request.pk}:declined", PAYMENT_DECLINED, values)


def _reversal_values(request: ReversalRequest) -> dict[str, str]:
    original = request.original
    return {
        "original": original.reference,
        "amount": format_amount(original.amount, original.currency),
        "held": format_amount(request.held_amount, original.currency),
    }


def _notify(
    customer: Customer | None,
    event: str,
    request: ReversalRequest,
    template: Promise,
    values: dict[str, str],
    party: Customer | None = None,
) -> None:
    if customer is not None:
        key = f"reversal-request:{request.pk}:{event}"
        _send(customer, key, template, values, party=party)


def _send(
    customer: Customer,
    key: str,
    template: Promise,
    values: dict[str, str],
    party: Customer | None = None,
) -> None:
    """Queue `template` in the customer's language; the `party` named in it ({counterparty})
    is shortened, as in receipts, to keep the text in one SMS."""
    with translation.override(customer.language):
        if party is not None:
            text = fit_one_sms(template, values, plain_name(party.name), local_phone(party.phone))
        else:
            text = str(template).format(**values)
    queue_sms(
        to=customer.phone,
        text=text,
        purpose=NOTICE,
        dedup_key=f"{key}:{customer.phone}",
        language=customer.language,
    )


def _name(customer: Customer | None) -> str:
    if customer is None:
        return ""
    return f"{plain_name(customer.name)} {local_phone(customer.phone)}"
