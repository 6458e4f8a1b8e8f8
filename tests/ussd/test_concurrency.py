"""Ten sessions of one sender at once, over HTTP: the ledger lets through what she can afford."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from tests.conftest import balance
from tests.ussd.conftest import Phone
from wallets.models import Transaction

SESSIONS = 10
AMOUNT, FEE = 15_000, 700  # KES 150 costs KES 157 with the fee


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ten_concurrent_sessions_that_overspend_send_exactly_what_the_balance_covers(
    alice, bob, fund
):
    fund(alice, 100_000)  # KES 1,000 covers six sends of KES 157, not seven
    affordable = 100_000 // (AMOUNT + FEE)
    start = threading.Barrier(SESSIONS)
    replies: list[str] = []
    failures: list[BaseException] = []

    def session() -> None:
        try:
            phone = Phone(Client(), alice.customer.phone)
            phone.dial("1", "0712000002", "150")
            start.wait(timeout=30)  # every session on the PIN screen, then all type at once
            replies.append(phone.type("2468"))
        except BaseException as error:  # reported by the main thread
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=session) for _ in range(SESSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not failures, failures
    sent = [reply for reply in replies if " Confirmed. KES 150 sent to BOB OTIENO." in reply]
    refused = [reply for reply in replies if "Insufficient funds" in reply]
    assert (len(sent), len(refused)) == (affordable, SESSIONS - affordable), replies
    assert Transaction.objects.filter(kind="send_money").count() == affordable
    assert balance(alice) == 100_000 - affordable * (AMOUNT + FEE) >= 0
    assert balance(bob) == affordable * AMOUNT


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_final_pin_hop_arriving_twice_at_once_sends_the_money_once(alice, bob, fund):
    fund(alice, 100_000)
    phone = Phone(Client(), alice.customer.phone)
    phone.dial("1", "0712000002", "150")
    start = threading.Barrier(2)
    replies: list[str] = []
    failures: list[BaseException] = []

    def retry() -> None:  # the gateway's retry races the original
        try:
            twin = Phone(Client(), phone.number)
            twin.session_id, twin.inputs = phone.session_id, [*phone.inputs, "2468"]
            start.wait(timeout=30)
            replies.append(twin.resend())
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not failures, failures
    sent = Transaction.objects.get(kind="send_money")
    assert replies == [replies[0]] * 2
    assert replies[0].startswith(f"END {sent.reference} Confirmed. KES 150 sent to BOB OTIENO.")
    assert balance(bob) == AMOUNT
