"""The phone simulator in a real headless Chromium, driven by Playwright.

It uses the system Chromium through tests/browser.py and skips without one, except under
CI=true.
"""

from __future__ import annotations

import pytest

from tests.agents.conftest import ASSISTANT_PIN, KES, OWNER_PIN, build_network, customer_wallet
from tests.browser import browser_page
from tests.conftest import balance
from wallets import outbox, services
from wallets.invariants import check_ledger

__all__ = ["browser_page"]  # the fixture, imported for pytest to find
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_customer_sends_money_in_the_simulator(alice, bob, fund, live_server, browser_page):
    page = browser_page
    fund(alice, 100_000)
    page.goto(f"{live_server.url}/simulator/")
    phone = page.locator(f".phone[data-phone='{alice.customer.phone}']")
    screen = phone.locator("[data-role=screen]")

    phone.locator("[data-role=dial]").click()
    page.wait_for_function(
        "el => el.textContent.includes('Send money')", arg=screen.element_handle()
    )
    for reply, expected in [
        ("1", "Enter phone number"),
        ("0712000002", "Enter amount"),
        ("200", "Fee KES 7"),
        ("2468", "Confirmed"),
    ]:
        phone.locator("[data-role=input]").fill(reply)
        phone.locator("[data-role=send]").click()
        page.wait_for_function(
            "([el, text]) => el.textContent.includes(text)",
            arg=[screen.element_handle(), expected],
        )

    assert "KES 200 sent to BOB OTIENO" in screen.text_content()
    assert balance(bob) == 20_000

    outbox.drain()  # what the worker does after the posting (the suite queues no tasks)
    for wallet in (alice, bob):
        inbox = page.locator(f".phone[data-phone='{wallet.customer.phone}'] [data-role=inbox]")
        page.wait_for_function(
            "el => el.textContent.includes('Confirmed')", arg=inbox.element_handle(), timeout=15_000
        )
    sender_inbox = page.locator(f".phone[data-phone='{alice.customer.phone}'] [data-role=inbox]")
    assert "Fee KES 7" in sender_inbox.text_content()


def use_phone(page, number: str, replies: list[tuple[str, str]], first: str) -> str:
    """Dial on the simulator's phone `number`, check `first` shows, then type each reply and
    wait for its expected text; return the last screen."""
    phone = page.locator(f".phone[data-phone='{number}']")
    screen = phone.locator("[data-role=screen]")
    phone.locator("[data-role=dial]").click()
    page.wait_for_function(
        "([el, t]) => el.textContent.includes(t)", arg=[screen.element_handle(), first]
    )
    for reply, expected in replies:
        phone.locator("[data-role=input]").fill(reply)
        phone.locator("[data-role=send]").click()
        page.wait_for_function(
            "([el, text]) => el.textContent.includes(text)",
            arg=[screen.element_handle(), expected],
        )
    return screen.text_content() or ""


def test_an_agent_cashes_in_and_the_customer_withdraws_at_another_store(live_server, browser_page):
    network = build_network()
    wanjiku = customer_wallet("+254700100101", "Wanjiku Kamau", "28451937", 1_000 * KES)
    assert wanjiku.customer is not None
    services.set_pin(wanjiku.customer, "4821")
    page = browser_page
    page.goto(f"{live_server.url}/simulator/")

    # The assistant at store 2 takes KES 2,000 in cash for Wanjiku.
    deposit = [
        ("1", "customer's phone"),
        ("0700100101", "Cash in for WANJIKU KAMAU"),
        ("2000", "ID number"),
        ("28451937", "Deposit KES 2,000"),
        (ASSISTANT_PIN, "Confirmed"),
    ]
    assert "deposited to WANJIKU KAMAU" in use_phone(
        page, network.assistant.phone, deposit, "Cash in"
    )
    # She withdraws KES 1,500 at store 1, which the owner serves.
    withdrawal = [
        ("2", "From agent"),
        ("1", "agent number"),
        ("100201", "store number"),
        ("1", "Withdraw at WANJIKU SHOP"),
        ("1500", "Fee KES 29"),
        ("4821", "Confirmed"),
    ]
    assert "Take KES 1,500 from WANJIKU SHOP" in use_phone(
        page, wanjiku.customer.phone, withdrawal, "Withdraw cash"
    )
    # The owner reads the commission both operations earned (80%, the rest to head office).
    balances = use_phone(
        page,
        network.owner.phone,
        [("4", "Balances"), ("1", "agent PIN"), (OWNER_PIN, "Float")],
        "Float and commission",
    )
    assert "Commission KES 18.40." in balances  # 80% of KES 11 (deposit) + KES 12 (withdrawal)
    assert balance(wanjiku) == 1_500 * KES - 29 * KES
    assert check_ledger() == []
