"""Walk every menu (customer, registration, first PIN, start PIN): every target exists, every
screen fits, every path ends.

The walk drives the real engine and actions (no HTTP), trying each option of a menu screen
and, on an input screen, a phone number, an amount, the right PIN and a new PIN. Actions
decide their next screen at run time, so only walking them shows where they lead.
"""

from __future__ import annotations

import copy
import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone, translation

from agents import errors as agent_errors
from agents import services as agents
from agents.models import Assistant
from merchants import errors as merchant_errors
from merchants import services as merchants
from operators.models import Operator
from tests.agents.conftest import KES, OWNER_PIN, build_network, customer_wallet
from ussd.agent_menu import AGENT_MENU
from ussd.engine import BACK, Context, End, Engine, Goto, State
from ussd.menu import CUSTOMER_MENU, HOME
from ussd.merchant_actions import MERCHANT_ON_SCREEN
from ussd.registration import FIRST_PIN_MENU, REGISTRATION_MENU, START_PIN_MENU
from ussd.sessions import FIRST_NAME_ON_SCREEN, MENUS, profile
from ussd.sms import sealed
from ussd.sms.models import SmsMessage
from wallets import errors, services
from wallets.models import Customer
from wallets.services.pins import reset_pin_by_support

LONG_VALUES = {
    "first_name": "W" * FIRST_NAME_ON_SCREEN,
    "recipient_name": "W" * 30,
    "recipient": "+254712345678",
    "amount_text": "KES 249,999.99",
    "fee_text": "KES 9,999.99",
    "airtime_number": "0712345678",
    "reference": "ABCDEFGHJK",
    "sent_on": "24/11/26",
    "requester": "W" * 30,
    "note": "W" * 24 + "\n",
    "requests_text": f"1. KES 249,999.99 {'W' * 30}",  # a longer list pages (tested below)
    "sender_name": "W" * 20,
    "held_text": "KES 249,999.99",
    "deadline_text": "27/11 23:59",
    "name": "W" * 40,
    "id_number": "W" * 12,
    "born_text": "31/12/1999",
    "operator_name": "MTN MoMo",
    "phone_text": "0712345678",
    "mm_title": "Send to my MTN MoMo",
    "mm_text": (
        "1. Top up from M-Pesa\n2. Top up from MTN MoMo\n3. Send to my M-Pesa\n"
        "4. Send to my MTN MoMo"
    ),
    "float_operators_text": "1. M-Pesa\n2. MTN MoMo\n3. Airtel Money\n4. Telkom T-Kash",
    "merchant_name": "W" * MERCHANT_ON_SCREEN,
    "point_number": "8888888",
    "account_reference": "W" * 20,
    "cap_text": "KES 249,999.99",
    "daily_text": "KES 249,999.99",
    "ends_text": "24/12/26",
    "mandates_text": f"1. {'W' * MERCHANT_ON_SCREEN} up to KES 249,999.99 (new)",
}
NOTICE_VALUES = {
    "count": 2,
    "phone": "+254712345678",
    "minimum": "KES 5",
    "maximum": "KES 10,000",
    "age": 18,
    "amount": "KES 249,999.99",
}
# The notices a screen can show above itself (and the engine's, which any screen can show).
ENGINE_NOTICES = (
    "Please choose one of the options.",
    "Nothing was entered. Try again.",
    "That is too long. Try again.",
    "Invalid choice. Try again.",
)
PIN_NOTICES = ("Wrong PIN. {count} tries left.", errors.InvalidPin.message)
# What can refuse a withdrawal or a deposit before the PIN, shown above the screen.
AGENT_REFUSALS = tuple(
    error.message
    for error in vars(agent_errors).values()
    if isinstance(error, type) and issubclass(error, errors.LedgerError)
)
MONEY_REFUSALS = (
    *AGENT_REFUSALS,
    errors.InsufficientFunds.message,
    errors.PerTransactionLimit.message,
    errors.DailyLimit.message,
    errors.MonthlyLimit.message,
    errors.ReceiverBalanceLimit.message,
    errors.CounterPerTransactionLimit.message,
    errors.CounterDailyLimit.message,
    errors.AccountNotActive.message,
    errors.RecipientNotActive.message,
)
POINT_REFUSALS = (
    "Enter the number, in digits.",
    merchant_errors.UnknownMerchant.message,
    merchant_errors.MerchantNotActive.message,
)
AMOUNT_REFUSALS = (
    "Enter an amount in shillings, like 500.",
    *MONEY_REFUSALS,
    *POINT_REFUSALS,
    errors.InvalidAmount.message,
    merchant_errors.MerchantLimit.message,
    merchant_errors.InvalidAccountReference.message,
)
NEW_PIN_NOTICES = (errors.InvalidPin.message, errors.WeakPin.message, "The PINs did not match.")
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
    "pin.new": NEW_PIN_NOTICES,
    "reverse.ref": (
        errors.UnknownReference.message,
        errors.AlreadyReversed.message,
        errors.ReversalWindowClosed.message,
        errors.ReversalAlreadyRequested.message,
    ),
    "register.name": ("Enter your first and last name, in letters.",),
    "register.id": ("Enter the number on your ID card.",),
    "register.born": (
        "Enter the date as 8 digits, like 31011990.",
        "You must be {age} or older to open a wallet.",
    ),
    "register.pin": NEW_PIN_NOTICES,
    "requests": ("That reversal request is already closed.",),
    "start.new": (*NEW_PIN_NOTICES, "Choose a PIN other than the start PIN."),
    "first.id": ("That ID number does not match. Try again.",),
    "first.pin": NEW_PIN_NOTICES,
    "withdraw.agent": ("Enter the agent number, in digits.", agent_errors.UnknownAgent.message),
    "withdraw.store": ("Enter the store number, in digits.", *AGENT_REFUSALS),
    "withdraw.amount": ("Enter an amount in shillings, like 500.", *MONEY_REFUSALS),
    "agent.cashin.amount": ("Enter an amount in shillings, like 500.", *MONEY_REFUSALS),
    "agent.code.amount": ("Enter an amount in shillings, like 500.", *MONEY_REFUSALS),
    "agent.cashin.phone": (errors.InvalidPhoneNumber.message, "{phone} is not registered."),
    "agent.code.phone": (errors.InvalidPhoneNumber.message, "{phone} is not registered."),
    "agent.register.phone": (errors.InvalidPhoneNumber.message, errors.AlreadyRegistered.message),
    "agent.opfloat.amount": (
        "Enter an amount in shillings, like 500.",
        "Enter whole shillings, like 500.",
    ),
    "pay.till": (*POINT_REFUSALS, "That is a pay-bill number. Choose Pay bill."),
    "pay.bill": (*POINT_REFUSALS, "That is a till number. Choose Buy goods."),
    "pay.account": (*POINT_REFUSALS, merchant_errors.InvalidAccountReference.message),
    "pay.till.amount": AMOUNT_REFUSALS,
    "pay.bill.amount": AMOUNT_REFUSALS,
    "mandate.to": (
        *POINT_REFUSALS,
        errors.InvalidPhoneNumber.message,
        "Several businesses use that number. Enter their till number.",
        "No business is registered with that number.",
    ),
    "mandate.cap": ("Enter an amount in shillings, like 500.",),
    "mandate.daily": ("Enter an amount in shillings, like 500.", "Enter at least {amount}."),
    "mandate.list": (merchant_errors.MandateNotActive.message,),
}
_walks = itertools.count(1)


@dataclass(frozen=True)
class Case:
    """A menu to walk: who dials, and what to type on its input screens."""

    engine: Engine
    inputs: tuple[str, ...]


@dataclass
class Walk:
    edges: dict[str, set[str]]
    ends: set[str] = field(default_factory=set)  # screens where some input ends the session
    parent: dict[str, str] = field(default_factory=dict)  # the screen it was first reached from
    back: dict[str, str] = field(default_factory=dict)  # where `0` leads from it


Caller = Callable[[], "Customer | Assistant | None"]


def explore(case: Case, phone: str, caller: Caller) -> Walk:
    engine = case.engine
    walk = Walk(edges={engine.home: set()})
    queue = [State(engine.home, [], {})]
    while queue:
        state = queue.pop(0)
        screen = engine.menu[state.screen]
        for token in [*screen.options] or case.inputs:
            trial = copy.deepcopy(state)
            outcome = step(engine, phone, caller(), trial, token)
            if isinstance(outcome, End):
                walk.ends.add(state.screen)
            elif trial.screen != state.screen:
                walk.edges[state.screen].add(trial.screen)
                if trial.screen not in walk.edges:
                    walk.edges[trial.screen] = set()
                    walk.parent[trial.screen] = state.screen
                    back = copy.deepcopy(trial)
                    step(engine, phone, caller(), back, BACK)
                    walk.back[trial.screen] = back.screen
                    queue.append(trial)
    return walk


def step(
    engine: Engine, phone: str, who: Customer | Assistant | None, state: State, token: str
) -> Goto | End:
    customer = who if isinstance(who, Customer) else None
    assistant = who if isinstance(who, Assistant) else None
    context = Context(
        phone,
        f"walk-{next(_walks)}",
        state.values,
        customer,
        assistant=assistant,
        profile=profile(customer, assistant),
    )
    with translation.override("en"):
        return engine.step(state, context, token)


def test_every_option_and_input_leads_to_a_screen_that_exists():
    for engine in MENUS.values():
        for name, screen in engine.menu.items():
            then = [] if screen.then is None else [screen.then]
            for target in [*screen.options.values(), *then]:
                assert callable(target) or target in engine.menu, (name, target)
            assert screen.options or screen.then is not None, name


def assert_complete(walk: Walk, engine: Engine) -> None:
    assert set(walk.edges) == set(engine.menu)
    can_end = set(walk.ends)
    while grown := {name for name, targets in walk.edges.items() if targets & can_end} - can_end:
        can_end |= grown
    assert can_end == set(engine.menu)
    assert walk.back == walk.parent  # `0` returns to the screen before, from every screen


def test_the_customer_menu_walk_visits_every_screen_and_each_can_reach_an_end(
    alice, bob, fund, duka, water
):
    build_network()
    Operator.objects.create(
        code="mpesa",
        name="M-Pesa",
        kind="daraja",
        base_url="http://127.0.0.1:9/mpesa",  # nothing listens: the walk sends nothing
        callback_base_url="http://testserver",
    )
    fund(alice, 1_000_000)
    fund(bob, 100_000)
    sent = services.send_money(sender=alice, recipient=bob, amount=20_000, idempotency_key="w")
    services.request_payment(
        requester=bob, requester_name="Bob", payer=alice.customer, amount=100, idempotency_key="r"
    )
    # Bob asks Alice for a mistaken send back: she has a reversal request to answer.
    to_alice = services.send_money(sender=bob, recipient=alice, amount=5_000, idempotency_key="b")
    services.request_reversal(customer=bob.customer, reference=to_alice.reference, channel="ussd")
    customer = alice.customer
    # Pay: a merchant's request to pay, and a standing payment of each kind (set up by Alice,
    # asked for by a partner)
    merchants.request_to_pay(merchant=water, payer=customer, amount=100, idempotency_key="m")
    for approved in (True, False):
        merchants.create_mandate(
            customer=customer,
            merchant=duka,
            max_per_payment=50_000,
            max_daily=100_000,
            ends_on=timezone.localdate() + datetime.timedelta(days=30),
            idempotency_key=f"mandate-{approved}",
            channel="api",
            approved=approved,
        )

    def caller() -> Customer:
        services.set_pin(customer, "2468")  # undo a changed PIN or a wrong try
        services.set_language(customer, "en")
        return customer

    # recipient, amount, Alice's PIN, a new PIN, a reference to reverse, a list choice (and
    # store number), an agent number, a till, a pay-bill and its account number
    inputs = (
        "0712000002",
        "200",
        "2468",
        "3958",
        sent.reference,
        "1",
        "2",
        "3",
        "100201",
        "512345",
        "888880",
        "W123456",
    )
    assert_complete(explore(Case(CUSTOMER_MENU, inputs), customer.phone, caller), CUSTOMER_MENU)


def test_the_agent_menu_walk_visits_every_screen_and_each_can_reach_an_end(db):
    network = build_network()
    Operator.objects.create(
        code="mpesa",
        name="M-Pesa",
        kind="daraja",
        base_url="http://127.0.0.1:9/mpesa",  # nothing listens: the walk sends nothing
        callback_base_url="http://testserver",
    )
    wanjiku = customer_wallet("+254700100101", "Wanjiku Kamau", "28451937", 6_000 * KES)
    assert wanjiku.customer is not None
    code, _issued = agents.create_withdrawal_code(customer=wanjiku.customer, amount=500 * KES)
    owner = network.owner

    def caller() -> Assistant:
        services.set_pin(owner, OWNER_PIN)  # undo a wrong try
        return owner

    # a customer, an amount, her ID number, the owner's PIN, a new customer's number, name
    # and date of birth, her withdrawal code, a list choice (an operator)
    inputs = (
        "0700100101",
        "500",
        "28451937",
        OWNER_PIN,
        "0722555111",
        "Amina Hassan",
        "15061995",
        code,
        "1",
    )
    assert_complete(explore(Case(AGENT_MENU, inputs), owner.phone, caller), AGENT_MENU)


def test_the_registration_walk_visits_every_screen_and_each_can_reach_an_end(open_by_phone):
    inputs = ("Jane Wambui", "12345678", "01011990", "3958")
    walk = explore(Case(REGISTRATION_MENU, inputs), "+254712999999", lambda: None)
    assert_complete(walk, REGISTRATION_MENU)
    assert Customer.objects.get(phone="+254712999999").name == "Jane Wambui"


def test_the_first_pin_walk_visits_every_screen_and_each_can_reach_an_end(db):
    customer = services.register_customer(
        phone="+254712999998", name="Juma Hamisi", id_type="national_id", id_number="12345678"
    )
    walk = explore(Case(FIRST_PIN_MENU, ("12345678", "3958")), customer.phone, lambda: customer)
    assert_complete(walk, FIRST_PIN_MENU)
    customer.refresh_from_db()
    assert customer.has_pin


def test_the_start_pin_walk_visits_every_screen_and_each_can_reach_an_end(db):
    customer = services.register_customer(
        phone="+254712999997", name="Juma Hamisi", id_type="national_id", id_number="12345678"
    )
    services.set_pin(customer, "2468")
    staff = get_user_model().objects.create_user("support_sam", is_staff=True)
    reset_pin_by_support(customer=customer, staff=staff, id_number="12345678")
    (seal,) = sealed.SEAL.findall(SmsMessage.objects.get(purpose="start-pin").text)
    start_pin = sealed.pin_for(seal)
    new_pin = next(pin for pin in ("3958", "7395") if pin != start_pin)

    walk = explore(Case(START_PIN_MENU, (start_pin, new_pin)), customer.phone, lambda: customer)

    assert_complete(walk, START_PIN_MENU)
    customer.refresh_from_db()
    assert not customer.pin_must_change


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
def test_every_screen_fits_one_page_with_long_values_and_any_notice(language):
    context = Context("+254712000001", "render", dict(LONG_VALUES))
    with translation.override(language):
        for engine in MENUS.values():
            for name, screen in engine.menu.items():
                notices = ["", *ENGINE_NOTICES, *SCREEN_NOTICES.get(name, ())]
                if screen.secret:
                    notices += PIN_NOTICES
                for notice in notices:
                    shown = translation.gettext(notice).format_map(NOTICE_VALUES)
                    pages = engine.pages(State(name, [], context.values), context, shown)
                    assert len(pages) == 1, (name, notice, pages)
                    assert len("CON " + pages[0]) <= settings.USSD_SCREEN_LIMIT


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
def test_a_long_list_of_payment_requests_is_paged_within_the_limit(language):
    many = "\n".join(f"{n}. KES 249,999.99 {'W' * 30}" for n in range(1, 21))
    context = Context("+254712000001", "render", {"requests_text": many})
    with translation.override(language):
        pages = CUSTOMER_MENU.pages(State("requests", [], context.values), context)
        more = "\n" + translation.gettext("98. More")
    assert len(pages) > 1
    assert all(len("CON " + page) <= settings.USSD_SCREEN_LIMIT for page in pages)
    assert all(page.endswith(more) for page in pages[:-1])


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
