"""Walk the whole customer menu: every target exists, every screen fits, every path ends.

The walk drives the real engine and actions (no HTTP), trying each option of a menu screen
and, on an input screen, a phone number, an amount, the right PIN and a new PIN. Actions
decide their next screen at run time, so only walking them shows where they lead.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.utils import translation

from ussd.engine import BACK, Context, End, Goto, State
from ussd.menu import CUSTOMER_MENU, HOME, MENU
from wallets import errors, services
from wallets.models import Customer

INPUTS = ("0712000002", "200", "2468", "3958")  # recipient, amount, Alice's PIN, a new PIN
LONG_VALUES = {
    "first_name": "W" * 30,
    "recipient_name": "W" * 30,
    "recipient": "+254712345678",
    "amount_text": "KES 249,999.99",
    "fee_text": "KES 9,999.99",
    "airtime_number": "0712345678",
}
NOTICE_VALUES = {"count": 2, "phone": "+254712345678", "minimum": "KES 5", "maximum": "KES 10,000"}
# The notices a screen can show above itself (and the engine's, which any screen can show).
ENGINE_NOTICES = (
    "Please choose one of the options.",
    "Nothing was entered. Try again.",
    "That is too long. Try again.",
    "Invalid choice. Try again.",
)
PIN_NOTICES = ("Wrong PIN. {count} tries left.", errors.InvalidPin.message)
SCREEN_NOTICES = {
    "send.to": (
        errors.InvalidPhoneNumber.message,
        errors.SameAccount.message,
        "{phone} is not registered.",
    ),
    "send.amount": ("Enter an amount in shillings, like 500.", "That amount is over the limit."),
    "airtime.phone": (errors.InvalidPhoneNumber.message,),
    "airtime.amount": (
        "Enter an amount in shillings, like 500.",
        "Airtime is from {minimum} to {maximum}.",
    ),
    "pin.new": (errors.InvalidPin.message, errors.WeakPin.message, "The PINs did not match."),
}
_walks = itertools.count(1)


@dataclass
class Walk:
    edges: dict[str, set[str]] = field(default_factory=lambda: {HOME: set()})
    ends: set[str] = field(default_factory=set)  # screens where some input ends the session
    parent: dict[str, str] = field(default_factory=dict)  # the screen it was first reached from
    back: dict[str, str] = field(default_factory=dict)  # where `0` leads from it


def explore(customer: Customer) -> Walk:
    walk = Walk()
    queue = [State(HOME, [], {})]
    while queue:
        state = queue.pop(0)
        screen = MENU[state.screen]
        for token in [*screen.options] or INPUTS:
            trial = copy.deepcopy(state)
            outcome = step(customer, trial, token)
            services.set_pin(customer, "2468")  # undo a changed PIN or a wrong try
            services.set_language(customer, "en")
            if isinstance(outcome, End):
                walk.ends.add(state.screen)
            elif trial.screen != state.screen:
                walk.edges[state.screen].add(trial.screen)
                if trial.screen not in walk.edges:
                    walk.edges[trial.screen] = set()
                    walk.parent[trial.screen] = state.screen
                    back = copy.deepcopy(trial)
                    step(customer, back, BACK)
                    walk.back[trial.screen] = back.screen
                    queue.append(trial)
    return walk


def step(customer: Customer, state: State, token: str) -> Goto | End:
    context = Context(customer.phone, f"walk-{next(_walks)}", state.values, customer)
    return CUSTOMER_MENU.step(state, context, token)


def test_every_option_and_input_leads_to_a_screen_that_exists():
    for name, screen in MENU.items():
        then = [] if screen.then is None else [screen.then]
        for target in [*screen.options.values(), *then]:
            assert callable(target) or target in MENU, (name, target)
        assert screen.options or screen.then is not None, name


def test_the_walk_visits_every_screen_and_every_screen_can_reach_an_end(alice, bob, fund):
    fund(alice, 1_000_000)
    walk = explore(alice.customer)

    assert set(walk.edges) == set(MENU)
    can_end = set(walk.ends)
    while grown := {name for name, targets in walk.edges.items() if targets & can_end} - can_end:
        can_end |= grown
    assert can_end == set(MENU)
    assert walk.back == walk.parent  # `0` returns to the screen before, from every screen


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
def test_every_screen_fits_one_page_with_long_values_and_any_notice(language):
    context = Context("+254712000001", "render", dict(LONG_VALUES))
    with translation.override(language):
        for name, screen in MENU.items():
            notices = ["", *ENGINE_NOTICES, *SCREEN_NOTICES.get(name, ())]
            if screen.secret:
                notices += PIN_NOTICES
            for notice in notices:
                shown = translation.gettext(notice).format_map(NOTICE_VALUES)
                pages = CUSTOMER_MENU.pages(State(name, [], context.values), context, shown)
                assert len(pages) == 1, (name, notice, pages)
                assert len("CON " + pages[0]) <= settings.USSD_SCREEN_LIMIT


def test_a_screen_too_long_for_one_page_is_paged_with_98_and_0(alice, monkeypatch):
    monkeypatch.setattr(settings, "USSD_SCREEN_LIMIT", 40)
    state = State("account", [HOME], {})
    context = Context(alice.customer.phone, "paged", state.values, alice.customer)
    pages = CUSTOMER_MENU.pages(state, context)

    assert len(pages) > 1
    assert all(len("CON " + page) <= 40 for page in pages)
    assert all(page.endswith("\n98. More") for page in pages[:-1])
    assert CUSTOMER_MENU.render(state, context) == pages[0]
    CUSTOMER_MENU.step(state, context, "98")
    assert CUSTOMER_MENU.render(state, context) == pages[1]
    CUSTOMER_MENU.step(state, context, BACK)
    assert CUSTOMER_MENU.render(state, context) == pages[0]
    assert state.screen == "account"
