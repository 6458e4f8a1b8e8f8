"""SMS notices that are not receipts: reversal requests, payment requests, mandates asked for
by a business, a start PIN.

Outbox handlers (registered in `SmsConfig.ready`), so each notice is written in the same
transaction as the change it reports and queued at least once; the dedup key makes a second
delivery add nothing. Postings that follow (the reversal, the payment) get their receipts
from `receipts.py` as usual. The start PIN is queued by the reset itself (`queue_start_pin`,
in the transaction that sets the PIN), sealed, so that no outbox payload carries it.
"""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from merchants.models import Mandate, MandateState, Merchant
from ussd.sms import sealed
from ussd.sms.encoding import SINGLE_GSM7, gsm7_length, plain_name, plain_text
from ussd.sms.models import SmsMessage
from ussd.sms.receipts import fit_one_sms, local_phone, receipt_time
from ussd.sms.services import queue_sms
from wallets.models import Customer, OutboxMessage, PaymentRequest, ReversalRequest
from wallets.money import format_amount
from wallets.services.reversals import closing_cause, recipient_wallet

NOTICE = "notice"
START_PIN_PURPOSE = "start-pin"
# My account (5), Pending requests (6) in the customer menu (ussd/menu.py): its numbers never
# change, and tests/ussd dial this path.
REVERSAL_ANSWER_PATH = ("5", "6")
# Pay (4) → Pending requests (3), and Pay → Standing payments (4) → My standing payments (2)
# (ussd/pay_menu.py).
PAY_REQUESTS_PATH = ("4", "3")
MANDATES_PATH = ("4", "4", "2")
SHORTEST_NOTE = 8  # a business's note cut shorter than this says nothing; it is left out

REVERSAL_ASKED = _(
    # Translators: an SMS to the sender; keep it within 160 characters, plain letters only.
    "Reversal of {original} requested. {held} is on hold at {counterparty}. If they do not "
    "dispute by {deadline}, it will be reversed."
)
REVERSAL_ASKED_OF_YOU = _(
    # Translators: an SMS to the recipient of a send the sender wants reversed; {shortcut}
    # dials straight to the screen where they agree or dispute.
    "{counterparty} asks to reverse {original}. {held} is on hold. Dial {shortcut} to agree "
    "or dispute by {deadline}, or it will be reversed."
)
REVERSAL_DISPUTED = _(
    # Translators: an SMS to the sender: the recipient disputed the reversal request.
    "{counterparty} disputed your request to reverse {original}. The money stays with them. "
    "Call 100 for help."
)
REVERSAL_DECLINED = _(
    # Translators: an SMS to the sender: the reversal request was rejected or ran out of time.
    "Your request to reverse {original} was not approved. Call 100 for help."
)
REVERSAL_RELEASED = _(
    # Translators: an SMS to the recipient: the money put on hold is theirs to use again.
    "The reversal request for {original} is closed. {held} on hold is available to you again."
)
START_PIN = _(
    # Translators: an SMS after customer care reset a PIN; {pin} is the one-time start PIN.
    "Your PIN was reset by customer care. Your one-time start PIN is {pin}. Dial {code} and "
    "choose a new PIN. Never share your PIN."
)
PAYMENT_ASKED = _(
    # Translators: an SMS to the payer of a payment request; {code} is the USSD code.
    "{requester} asks you to pay {amount}. {note}Dial {code}, My account, Pending requests "
    "to pay or decline."
)
MERCHANT_PAYMENT_ASKED = _(
    # Translators: an SMS to a customer a business asks to pay; {shortcut} dials straight to
    # the pending requests (Pay, Pending requests).
    "{requester} asks you to pay {amount}. {note}Dial {shortcut} to pay or decline."
)
MANDATE_ASKED = _(
    # Translators: an SMS to a customer a business asks for a standing payment (a mandate to
    # take payments without a PIN each time); {shortcut} dials to where they approve it.
    "{counterparty} asks to take up to {cap} a payment and {daily} a day from your wallet "
    "until {ends}. Dial {shortcut} to approve or decline."
)
PAYMENT_DECLINED = _(
    # Translators: an SMS to whoever asked for a payment.
    "{payer} declined your request for {amount}."
)


def reversal_requested(message: OutboxMessage) -> None:
    """Tell the sender, and ask the recipient to agree or dispute before the deadline."""
    request = ReversalRequest.objects.select_related("original", "requested_by", "hold").get(
        pk=message.payload["request"]
    )
    sender, recipient = request.requested_by, recipient_wallet(request.original).customer
    day, time = receipt_time(request.hold.deadline)
    values = {
        **_reversal_values(request),
        "deadline": f"{day.rsplit('/', 1)[0]} {time}",  # '27/11 3:05 PM': no room for the year
        "shortcut": menu_shortcut(*REVERSAL_ANSWER_PATH),
    }
    _notify(sender, "asked", request, REVERSAL_ASKED, values, party=recipient)
    _notify(recipient, "asked", request, REVERSAL_ASKED_OF_YOU, values, party=sender)


def reversal_decided(message: OutboxMessage) -> None:
    """A case closed without a reversal: both parties are told (a reversal's own receipts
    tell them when the money went back)."""
    request = ReversalRequest.objects.select_related("original", "requested_by", "hold").get(
        pk=message.payload["request"]
    )
    cause = closing_cause(request)
    if cause == "reversed":
        return
    values = _reversal_values(request)
    recipient = recipient_wallet(request.original).customer
    if cause == "disputed":
        _notify(request.requested_by, "closed", request, REVERSAL_DISPUTED, values, party=recipient)
    else:
        _notify(request.requested_by, "closed", request, REVERSAL_DECLINED, values)
    _notify(recipient, "closed", request, REVERSAL_RELEASED, values)


def queue_start_pin(*, customer: Customer, seal: str) -> SmsMessage:
    """Queue the start PIN of a support reset, sealed: the row never holds the PIN (see
    sealed.py). Call it in the transaction that sets the PIN."""
    with translation.override(customer.language):
        text = str(START_PIN).format(pin=sealed.token(seal), code=settings.USSD_SERVICE_CODE)
    digest = hashlib.sha256(seal.encode()).hexdigest()[:24]  # the seal itself is not kept
    return queue_sms(
        to=customer.phone,
        text=text,
        purpose=START_PIN_PURPOSE,
        dedup_key=f"start-pin:{customer.pk}:{digest}",
        language=customer.language,
    )


def menu_shortcut(*options: str) -> str:
    """'*384#' and ('5', '7') -> '*384*5*7#': a code that dials straight to a screen."""
    code = str(settings.USSD_SERVICE_CODE)
    if not code.endswith("#"):
        return code
    return code[:-1] + "".join(f"*{option}" for option in options) + "#"


def payment_requested(message: OutboxMessage) -> None:
    request = PaymentRequest.objects.select_related("payer").get(pk=message.payload["request"])
    if request.fee_kind:
        merchant_payment_requested(request)
        return
    values = {
        "requester": plain_name(request.requester_name),
        "amount": format_amount(request.amount, request.currency),
        "note": f"{plain_name(request.note)}. " if request.note else "",
        "code": settings.USSD_SERVICE_CODE,
    }
    _send(request.payer, f"payment-request:{request.pk}:asked", PAYMENT_ASKED, values)


def merchant_payment_requested(request: PaymentRequest) -> None:
    """A business's request to pay: its name as it spells it, and a code that dials to it."""
    merchant = Merchant.objects.filter(account_id=request.requester_id).first()
    name = merchant.display_name if merchant else request.requester_name
    values = {
        "requester": plain_text(name),
        "amount": format_amount(request.amount, request.currency),
        "shortcut": menu_shortcut(*PAY_REQUESTS_PATH),
    }
    note = plain_text(request.note)
    with translation.override(request.payer.language):
        room = SINGLE_GSM7 - gsm7_length(str(MERCHANT_PAYMENT_ASKED).format(**values, note=""))
    values["note"] = _cut(note, room) if note else ""
    _send(request.payer, f"payment-request:{request.pk}:asked", MERCHANT_PAYMENT_ASKED, values)


def mandate_requested(message: OutboxMessage) -> None:
    """The outbox handler of "mandate.requested" ({"mandate": id}): a business asked for a
    mandate (by the partner API), and the customer is asked to approve it from the menu."""
    ask_to_approve_mandate(Mandate.objects.get(pk=message.payload["mandate"]))


def ask_to_approve_mandate(mandate: Mandate) -> None:
    """Tell the customer of a pending mandate, once; nothing once it was answered."""
    if mandate.state != MandateState.PENDING:
        return
    customer = mandate.customer
    values = {
        "cap": format_amount(mandate.max_per_payment, mandate.currency),
        "daily": format_amount(mandate.max_daily, mandate.currency),
        "ends": sms_date(mandate.ends_on),
        "shortcut": menu_shortcut(*MANDATES_PATH),
    }
    with translation.override(customer.language):
        text = fit_one_sms(MANDATE_ASKED, values, plain_text(mandate.merchant.display_name), "")
    queue_sms(
        to=customer.phone,
        text=text,
        purpose=NOTICE,
        dedup_key=f"mandate:{mandate.pk}:asked:{customer.phone}",
        language=customer.language,
    )


def sms_date(day: datetime.date) -> str:
    """A date as receipts write it: '24/12/26'."""
    return f"{day.day}/{day.month}/{day:%y}"


def _cut(note: str, room: int) -> str:
    """'Note. ' within `room` characters (nothing if there is no room for a useful part)."""
    room -= len(". ")
    if room < SHORTEST_NOTE:
        return ""
    return f"{note[:room].rstrip(' .')}. "


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
