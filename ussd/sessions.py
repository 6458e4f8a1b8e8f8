"""One USSD hop: load the session, apply the new input to the menu, store the reply.

`advance` and `refusal` are shared with the SMS menu (ussd/sms/inbound.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.models import Assistant, NetworkStatus
from agents.services import assistant_for_phone
from ussd.actions import short_name
from ussd.agent_menu import AGENT_FIRST_PIN_MENU, AGENT_MENU
from ussd.engine import Context, Engine, State, activate, mask_codes, split_tokens, text_digest
from ussd.menu import CUSTOMER_MENU
from ussd.models import UssdSession
from ussd.registration import FIRST_PIN_MENU, REGISTRATION_MENU, START_PIN_MENU
from wallets import services
from wallets.models import Customer, CustomerStatus

Row = TypeVar("Row")
START = "start_pin"
FIRST_NAME_ON_SCREEN = 20
MENUS: dict[str, Engine] = {
    "customer": CUSTOMER_MENU,
    "agent": AGENT_MENU,
    "agent_first_pin": AGENT_FIRST_PIN_MENU,
    "register": REGISTRATION_MENU,
    "first_pin": FIRST_PIN_MENU,
    START: START_PIN_MENU,  # a support reset: the start PIN, then a new PIN
}


@dataclass(frozen=True)
class Hop:
    session_id: str
    phone: str
    service_code: str
    network_code: str
    text: str


def handle_hop(hop: Hop) -> tuple[str, str]:
    """The reply (`CON ...` or `END ...`) and a label of the screen shown, for one hop."""
    for _attempt in range(2):
        try:
            return _handle(hop)
        except IntegrityError:  # the same session's first hop arrived twice at once
            continue
    return _handle(hop)


def _handle(hop: Hop) -> tuple[str, str]:
    session = one(UssdSession.objects.filter(session_id=hop.session_id))
    digest = text_digest(hop.session_id, hop.text)
    if session is not None:
        if session.phone != hop.phone:
            return "END " + _("This session belongs to another phone."), "refused"
        if session.ended or session.last_text_digest == digest:
            return session.last_reply, session.screen  # a retry: same reply, nothing runs again
    customer, assistant = caller_for_phone(hop.phone)
    caller = assistant or customer
    language = caller.language if caller else session.language if session else "en"
    with activate(language):
        # Checked on every hop, so a wallet frozen (or an agent suspended) mid-session stops.
        current = menu_for(customer, assistant)
        if current is None:
            text, label = refusal(customer, assistant)
            return "END " + text, label
        if session is not None and session.menu != current and START in (session.menu, current):
            # Support reset the PIN during this session (or it was changed in another one):
            # the menu this session runs no longer fits.
            return "END " + _("Your PIN has changed. Please dial again."), "pin_changed"
        menu = session.menu if session else current
        if session is None:
            session = UssdSession(
                session_id=hop.session_id,
                phone=hop.phone,
                service_code=hop.service_code,
                network_code=hop.network_code,
                language=language,
                menu=menu,
                screen=MENUS[menu].home,
            )
        body, ended = advance(session, customer, split_tokens(hop.text), assistant=assistant)
    reply = ("END " if ended else "CON ") + body
    # A reply showing a one-time code is kept masked: a retried hop cannot show it again.
    kept = "END " + mask_codes(body) if session.secret_end else reply
    session.last_text_digest, session.last_reply = digest, kept
    session.save()
    return reply, session.screen


def caller_for_phone(phone: str) -> tuple[Customer | None, Assistant | None]:
    """Who dials: the customer, or the assistant (then no customer), read again on each hop.

    An agent's phone gets the agent menu, whatever else it is. Most callers are customers, so
    their row comes with whether the phone is also an assistant's: one query per hop instead
    of two; the assistant, with their store, agent and aggregator, is read only if so (or if
    there is no customer) for `serving` to check.
    """
    is_assistant = Exists(Assistant.objects.filter(phone=OuterRef("phone")))
    customer = one(Customer.objects.filter(phone=phone).annotate(is_assistant=is_assistant))
    if customer is not None and not customer.is_assistant:
        return customer, None
    assistant = assistant_for_phone(phone)
    return (None, assistant) if assistant is not None else (customer, None)


def one(queryset: QuerySet[Any, Row]) -> Row | None:
    """The row a lookup by a unique column finds, or None. Unlike `first()`, it builds no
    ORDER BY (both models have a default ordering), a tenth of a hop's CPU in the profile."""
    try:
        return queryset.get()
    except ObjectDoesNotExist:
        return None


def serving(assistant: Assistant) -> bool:
    """Whether the assistant, their store, agent and aggregator are all active."""
    store = assistant.store
    return all(
        status == NetworkStatus.ACTIVE
        for status in (
            assistant.status,
            store.status,
            store.agent.status,
            store.agent.aggregator.status,
        )
    )


def menu_for(customer: Customer | None, assistant: Assistant | None = None) -> str | None:
    """The menu a new session of this caller runs, or None if it may run none."""
    if assistant is not None:
        if not serving(assistant):
            return None
        return "agent" if assistant.has_pin else "agent_first_pin"
    if customer is None:
        open_by_phone = services.self_registration_tier(settings.DEFAULT_CURRENCY)
        return "register" if open_by_phone else None
    if customer.status != CustomerStatus.ACTIVE:
        return None
    if not customer.has_pin:  # registered at an agent: proves the ID number, chooses a PIN
        return "first_pin" if customer.id_number else None
    if customer.pin_must_change:  # support reset the PIN: nothing else until it is changed
        return START
    return "customer"


def refusal(customer: Customer | None, assistant: Assistant | None = None) -> tuple[str, str]:
    """Why a phone with no wallet, or an inactive one, may not use the menu: a text and a
    label. Call it in the caller's language."""
    if assistant is not None:
        return _("Your agent account is not active. Call agent support."), "inactive"
    if customer is None:
        return _(
            "This number has no wallet. Visit an agent with your ID to register."
        ), "unregistered"
    if customer.status != CustomerStatus.ACTIVE:
        return _("Your wallet is not active. Please call customer care on 100."), "inactive"
    return _("You have no PIN yet. Visit an agent with your ID to set it."), "no_pin"


def advance(
    session: UssdSession,
    customer: Customer | None,
    tokens: list[str],
    assistant: Assistant | None = None,
) -> tuple[str, bool]:
    """Apply the tokens after `session.consumed` to the session's menu: the reply text and
    whether the session ends. The new state is set on `session`; the caller saves it.

    Shared by USSD (a hop's whole `text`) and SMS (one reply per message). Call it in the
    customer's language.
    """
    state = State(session.screen, session.stack, session.data, session.consumed, session.page)
    context = Context(
        session.phone,
        session.session_id,
        state.values,
        customer,
        assistant=assistant,
        profile=profile(customer, assistant),
    )
    body, ended = MENUS[session.menu].apply(state, context, tokens)
    session.secret_end = state.secret_end  # not a field: read by the caller, never stored
    session.screen, session.stack, session.data = state.screen, state.stack, state.values
    session.consumed, session.page, session.ended = state.consumed, state.page, ended
    if assistant is not None:
        session.language = assistant.language
    elif customer is not None:
        session.language = customer.language
    else:
        session.language = state.values.get("language", session.language)
    session.updated_at = timezone.now()
    return body, ended


def profile(customer: Customer | None, assistant: Assistant | None) -> dict[str, str]:
    """Facts about the caller that screens show (a name, the agent and store numbers)."""
    if assistant is not None:
        store = assistant.store
        return {
            "first_name": first_name(assistant.name),
            "agent_name": short_name(store.agent.business_name.upper()),
            "store_number": store.store_number,
        }
    return {"first_name": first_name(customer.name if customer else "")}


def first_name(name: str) -> str:
    """The greeting's name: a first name longer than FIRST_NAME_ON_SCREEN is cut, so that the
    home menu keeps room for a notice above it."""
    return name.split()[0][:FIRST_NAME_ON_SCREEN] if name.strip() else ""
