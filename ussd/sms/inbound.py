"""The customer menu by SMS: Africa's Talking's incoming messages, answered by queued SMS.

The same menu engine as USSD, one token per message. `MENU` or `HELP` starts a
conversation at the home screen; the customer replies with option numbers (or the phone
number, the amount...). A conversation is a `UssdSession` named `sms:<phone>:<inbound id>`;
the latest one of a phone carries on while it is not ended and not idle for longer than
`SMS_SESSION_IDLE_MINUTES`. `BAL` is a short command for the balance; `REVERSE <reference>
YES|NO <PIN>` answers a reversal request asked of the customer.

An SMS stays readable on the handset, so by default no PIN is taken by SMS
(`SMS_PIN_ENABLED`): a conversation that reaches a PIN screen ends with a pointer to the
USSD code instead. Whatever the setting, a PIN is never stored: the inbound text is kept
with 4-digit tokens masked, and the session keeps only a count of the tokens applied.

Each message is handled once: its AT id is unique, and a redelivery is acknowledged
without running the menu or replying again. A crash between storing a message and queuing
its reply leaves it unanswered (the customer sends again); it never runs twice.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ussd import account_actions, actions
from ussd.engine import Context, End, activate, redact_pins
from ussd.menu import CUSTOMER_MENU, HOME
from ussd.models import UssdSession
from ussd.sessions import advance, refusal
from ussd.sms import conf
from ussd.sms.models import InboundSms
from ussd.sms.notices import REVERSAL_ANSWER_PATH, menu_shortcut
from ussd.sms.services import queue_sms
from wallets.models import Customer, CustomerStatus
from wallets.services.reversals import open_reversals_against

SESSION_PREFIX = "sms:"  # ussd.account_actions tells an SMS conversation by it
MENU, HELP, BALANCE = "MENU", "HELP", "BAL"
# The recipient's answer to a reversal request, in English or Kiswahili.
REVERSE, YES, NO = {"REVERSE", "REJESHA"}, {"YES", "NDIYO"}, {"NO", "HAPANA"}
# A token of four digits between spaces or `*`: what a PIN looks like (an amount of that
# shape is masked too).


@dataclass(frozen=True)
class Inbound:
    """One incoming message as the callback validated it; `phone` is E.164."""

    provider_id: str
    phone: str
    text: str
    to: str = ""
    date: str = ""
    link_id: str = ""
    network_code: str = ""


@dataclass
class Answer:
    text: str
    outcome: str
    session: UssdSession | None = None


def receive(message: Inbound) -> InboundSms | None:
    """Store the message and queue its reply, once per AT id; None for a redelivery."""
    inbound, created = InboundSms.objects.get_or_create(
        provider_id=message.provider_id,
        defaults={
            "phone": message.phone,
            "to": message.to,
            "text": redact_pins(message.text),
            "link_id": message.link_id,
            "network_code": message.network_code,
            "provider_date": message.date,
        },
    )
    if not created:
        return None
    customer = Customer.objects.filter(phone=message.phone).first()
    with activate(customer.language if customer else "en"):
        answer = _answer(message, customer, inbound)
    language = customer.language if customer else "en"  # a language change took effect
    with transaction.atomic():
        if answer.session is not None:
            answer.session.last_reply = answer.text
            answer.session.save()
        inbound.reply = queue_sms(
            to=message.phone,
            text=answer.text,
            purpose="sms-menu",
            dedup_key=f"reply:{message.provider_id}",
            language=language,
        )
        inbound.outcome = answer.outcome
        inbound.session_id = answer.session.session_id if answer.session else ""
        inbound.save(update_fields=["reply", "outcome", "session_id"])
    return inbound


def _answer(message: Inbound, customer: Customer | None, inbound: InboundSms) -> Answer:
    if customer is None or customer.status != CustomerStatus.ACTIVE:
        text, label = refusal(customer)
        return Answer(text, label)
    if customer.pin_must_change:  # a support reset: the start PIN is changed over USSD first
        text = _("Your PIN was reset. Dial {code} and enter the start PIN from your SMS.")
        return Answer(text.format(code=settings.USSD_SERVICE_CODE), "pin-must-change")
    words = message.text.split()
    command = words[0].upper() if words else ""
    if command in REVERSE:
        return _reversal_answer(customer, words[1:])
    if command in (MENU, HELP) and len(words) == 1:
        hint = _reply_hint() if command == MENU else _help_text()
        return _start(message, customer, inbound, hint, command.lower())
    if command == BALANCE:
        return _balance(customer, words[1:])
    session = _current_session(message.phone)
    if session is not None:
        return _continue(session, customer, message.text.strip())
    if message.text.strip().isdigit():  # a reply to a conversation that has idled out
        notice = _("Your last session has ended.")
        return _start(message, customer, inbound, _reply_hint(), "restart", notice)
    return Answer(_short_help(), "unknown")


def _start(
    message: Inbound,
    customer: Customer,
    inbound: InboundSms,
    hint: str,
    outcome: str,
    notice: str = "",
) -> Answer:
    session = UssdSession(
        session_id=f"{SESSION_PREFIX}{message.phone}:{inbound.pk}",
        phone=message.phone,
        service_code=message.to[:40],
        network_code=message.network_code,
        language=customer.language,
        screen=HOME,
    )
    body, _ended = advance(session, customer, [])
    return Answer("\n".join(filter(None, [notice, body, hint])), outcome, session)


def _current_session(phone: str) -> UssdSession | None:
    since = timezone.now() - datetime.timedelta(minutes=conf.session_idle_minutes())
    latest = (
        UssdSession.objects.filter(phone=phone, session_id__startswith=SESSION_PREFIX)
        .order_by("-id")
        .first()
    )
    if latest is None or latest.ended or latest.updated_at < since:
        return None
    return latest


def _continue(session: UssdSession, customer: Customer, token: str) -> Answer:
    # The engine counts tokens as USSD's `text` does and applies those after `consumed`.
    # Earlier tokens are not kept (one may have been a PIN): placeholders stand for them.
    tokens = [""] * session.consumed + [token]
    body, ended = advance(session, customer, tokens)
    if ended and session.secret_end:  # a one-time code is never sent by SMS
        return Answer(_dial_instead(), "secret-refused", session)
    if ended:
        return Answer(body, "menu", session)
    screen = CUSTOMER_MENU.menu[session.screen]
    if screen.secret and not conf.pin_enabled():
        session.ended = True
        return Answer(_dial_instead(), "pin-refused", session)
    return Answer("\n".join([body, _reply_hint()]) if screen.options else body, "menu", session)


def _balance(customer: Customer, rest: list[str]) -> Answer:
    if not conf.pin_enabled():
        text = _("For your safety, dial {code} to check your balance. Never send your PIN by SMS.")
        return Answer(text.format(code=settings.USSD_SERVICE_CODE), "pin-refused")
    if len(rest) != 1:
        return Answer(_("Send BAL and your PIN, like this: BAL 1234"), "balance-help")
    context = Context(customer.phone, f"{SESSION_PREFIX}balance", {}, customer)
    outcome = actions.show_balance(context, rest[0])
    if isinstance(outcome, End):
        return Answer(outcome.text, "balance")
    return Answer(outcome.notice, "balance-refused")  # a wrong PIN: the tries left


def _reversal_answer(customer: Customer, rest: list[str]) -> Answer:
    """`REVERSE <reference> YES|NO <PIN>`: the recipient agrees to or disputes a reversal
    request, as on USSD (My account, Reversal requests), where SMS may carry a PIN."""
    if not conf.pin_enabled():
        text = _("For your safety, dial {code} to agree or dispute. Never send your PIN by SMS.")
        return Answer(text.format(code=menu_shortcut(*REVERSAL_ANSWER_PATH)), "pin-refused")
    answer = rest[1].upper() if len(rest) == 3 else ""
    if answer not in YES | NO:
        how = _("Send REVERSE, the reference, YES or NO and your PIN, like this: {example}")
        return Answer(how.format(example="REVERSE QK7T3M9XRA NO 1234"), "reverse-help")
    reference, pin = rest[0].upper(), rest[2]
    request = open_reversals_against(customer).filter(original__reference=reference).first()
    if request is None:
        text = _("No reversal request for {reference} is waiting for your answer.")
        return Answer(text.format(reference=reference), "reverse-unknown")
    context = Context(customer.phone, f"{SESSION_PREFIX}reverse:{request.pk}", {}, customer)
    account_actions.describe_reversal(context, request)
    decide = account_actions.agree_to_reversal if answer in YES else account_actions.dispute
    outcome = decide(context, pin)
    if isinstance(outcome, End):
        return Answer(outcome.text, "reverse")
    return Answer(outcome.notice, "reverse-refused")  # a wrong PIN: the tries left


def _dial_instead() -> str:
    text = _("For your safety, dial {code} to continue. Never send your PIN by SMS.")
    return text.format(code=settings.USSD_SERVICE_CODE)


def _reply_hint() -> str:
    return _("Reply with a number.")


def _help_text() -> str:
    return _("Reply with a number. Send MENU to start again, BAL for your balance.")


def _short_help() -> str:
    return _("Send MENU for the menu, BAL for your balance or HELP for help.")
