"""The agent side by USSD: a customer withdraws at a store, an assistant serves customers.

The network comes from tests/agents/conftest.py: WANJIKU SHOP (agent 100201) with store 1
(the owner, PIN 4739) and store 2 (an assistant, PIN 6182), KES 10,000 of float.
"""

from __future__ import annotations

import pytest
from django.test import Client

from agents import services as agents
from tests.agents.conftest import (
    ASSISTANT_PIN,
    KES,
    OWNER_PIN,
    Network,
    balance_of,
    build_network,
    customer_wallet,
)
from tests.ussd.conftest import Phone
from wallets import services
from wallets.models import Account, Customer, Transaction, TransactionKind

WANJIKU_PIN = "4821"


@pytest.fixture
def network(db) -> Network:
    return build_network()


@pytest.fixture
def wanjiku(db) -> Account:
    wallet = customer_wallet("+254700100101", "Wanjiku Kamau", "28451937", 6_000 * KES)
    assert wallet.customer is not None
    services.set_pin(wallet.customer, WANJIKU_PIN)
    return wallet


def phone(client: Client, number: str) -> Phone:
    return Phone(client, number)


def test_a_customer_withdraws_at_a_store_with_the_agent_name_and_fee_before_the_pin(
    client, network, wanjiku
):
    customer = phone(client, wanjiku.customer.phone)
    assert customer.dial("2") == (
        "CON Withdraw cash\n1. From agent\n2. Get a code for the agent\n0. Back"
    )
    assert customer.type("1") == "CON Withdraw cash\nEnter agent number\n0. Back"
    assert customer.type("100201") == "CON Enter store number\n0. Back"
    assert customer.type("2") == "CON Withdraw at WANJIKU SHOP\nEnter amount\n0. Back"
    assert customer.type("1000") == (
        "CON Withdraw KES 1,000 from WANJIKU SHOP store 2?\nFee KES 29\nEnter PIN\n0. Back"
    )
    reply = customer.type(WANJIKU_PIN)
    (posted,) = Transaction.objects.filter(kind=TransactionKind.CASH_OUT)
    assert reply == (
        f"END {posted.reference} Confirmed. Take KES 1,000 from WANJIKU SHOP. Fee KES 29."
        " You will get an SMS."
    )
    assert balance_of(wanjiku) == 6_000 * KES - 1_000 * KES - 29 * KES
    assert balance_of(network.agent.float_account) == 10_000 * KES + 1_000 * KES


def test_a_store_that_is_not_the_agents_is_refused_before_the_amount(client, network, wanjiku):
    customer = phone(client, wanjiku.customer.phone)
    customer.dial("2", "1", "100201")
    reply = customer.type("9")
    assert reply.startswith("CON ")
    assert reply.endswith("Enter store number\n0. Back")
    assert balance_of(wanjiku) == 6_000 * KES


def test_an_amount_below_the_minimum_is_refused_before_the_pin(client, network, wanjiku):
    customer = phone(client, wanjiku.customer.phone)
    reply = customer.dial("2", "1", "100201", "1", "20")
    assert reply.startswith("CON ")
    assert reply.endswith("Withdraw at WANJIKU SHOP\nEnter amount\n0. Back")
    assert "KES 50" in reply


def test_an_assistant_cashes_in_for_the_depositor_after_checking_the_id(client, network, wanjiku):
    agent = phone(client, network.assistant.phone)
    assert agent.dial() == (
        "CON WANJIKU SHOP store 2\n1. Cash in\n2. Cash out with code\n3. Register customer\n"
        "4. Float and commission\n5. Cash count"
    )
    assert agent.type("1") == "CON Cash in\nEnter the customer's phone number\n0. Back"
    assert agent.type("0700100101") == "CON Cash in for WANJIKU KAMAU\nEnter amount\n0. Back"
    assert agent.type("500") == ("CON Enter the ID number on WANJIKU KAMAU's ID card\n0. Back")
    assert agent.type("28451937") == (
        "CON Deposit KES 500 to WANJIKU KAMAU 0700100101?\nEnter agent PIN\n0. Back"
    )
    reply = agent.type(ASSISTANT_PIN)
    assert reply.endswith("Confirmed. KES 500 deposited to WANJIKU KAMAU. You will get an SMS.")
    assert balance_of(wanjiku) == 6_500 * KES
    assert balance_of(network.agent.float_account) == 9_500 * KES


def test_a_deposit_into_someone_elses_wallet_is_refused(client, network, wanjiku):
    agent = phone(client, network.assistant.phone)
    agent.dial("1", "0700100101", "500", "11111111")
    reply = agent.type(ASSISTANT_PIN)
    assert reply.startswith("END ")
    assert balance_of(wanjiku) == 6_000 * KES
    assert balance_of(network.agent.float_account) == 10_000 * KES


def test_a_wrong_agent_pin_moves_nothing(client, network, wanjiku):
    agent = phone(client, network.assistant.phone)
    reply = agent.dial("1", "0700100101", "500", "28451937", "1111")
    assert reply.startswith("CON Wrong PIN. 2 tries left.")
    assert balance_of(wanjiku) == 6_000 * KES


def test_code_cash_out_the_customer_gets_a_code_and_the_agent_pays_with_it(
    client, network, wanjiku
):
    customer = phone(client, wanjiku.customer.phone)
    assert customer.dial("2", "2") == (
        "CON Withdrawal code for an agent\nEnter the amount to withdraw\n0. Back"
    )
    assert customer.type("1000") == (
        "CON Code to withdraw KES 1,000 at any agent?\nFee KES 29\nEnter PIN\n0. Back"
    )
    shown = customer.type(WANJIKU_PIN)
    assert shown.startswith("END Your withdrawal code is ")
    code = shown.split("is ")[1][:6]
    assert code.isdigit()

    agent = phone(client, network.assistant.phone)
    agent.dial("2", "0700100101")
    assert agent.type("1000") == (
        "CON Pay KES 1,000 cash to WANJIKU KAMAU? Fee KES 29\nEnter agent PIN\n0. Back"
    )
    assert agent.type(ASSISTANT_PIN) == "CON Enter the customer's withdrawal code\n0. Back"
    reply = agent.type(code)
    assert "Confirmed. Give KES 1,000 to WANJIKU KAMAU. Fee KES 29." in reply
    assert balance_of(wanjiku) == 4_971 * KES
    again = phone(client, network.assistant.phone)
    again.dial("2", "0700100101", "1000", ASSISTANT_PIN)
    assert again.type(code).startswith("END ")
    assert balance_of(wanjiku) == 4_971 * KES  # the code works once


def test_an_assistant_registers_a_customer_who_then_sets_a_pin(client, network):
    agent = phone(client, network.assistant.phone)
    agent.dial("3")
    assert agent.type("0722555111") == "CON Enter their first and last name\n0. Back"
    agent.type("Amina Hassan")
    agent.type("30111222")
    assert agent.type("15061995") == (
        "CON Register Amina Hassan\nID 30111222, born 15/06/1995?\nEnter agent PIN\n0. Back"
    )
    assert agent.type(ASSISTANT_PIN) == (
        "END AMINA HASSAN is registered. They will get an SMS to set their PIN."
    )
    customer = Customer.objects.get(phone="+254722555111")
    assert not customer.has_pin
    first = phone(client, customer.phone)
    assert first.dial() == "CON Welcome Amina. To set your PIN, enter your ID number"


def test_the_owner_buys_float_and_reads_the_balances_in_kiswahili(client, network):
    network.owner.language = "sw"
    network.owner.save(update_fields=["language"])
    owner = phone(client, network.owner.phone)
    assert owner.dial("4") == (
        "CON Float\n1. Salio\n2. Taarifa fupi\n3. Kamisheni kwa float\n4. Nunua float\n"
        "5. Rudisha float\n6. Nunua kwa pesa ya simu\n0. Rudi"
    )
    owner.type("4")
    assert owner.type("2000") == "CON Nunua float KES 2,000?\nWeka PIN ya wakala\n0. Rudi"
    assert owner.type(OWNER_PIN).endswith("Float mpya KES 12,000.")
    assert phone(client, network.owner.phone).dial("4", "1", OWNER_PIN) == (
        "END Float KES 12,000. Kamisheni KES 0."
    )
    assert balance_of(network.agent.float_account) == 12_000 * KES


def test_an_inactive_assistant_gets_no_menu(client, network):
    network.assistant.status = "suspended"
    network.assistant.save(update_fields=["status"])
    assert phone(client, network.assistant.phone).dial() == (
        "END Your agent account is not active. Call agent support."
    )


def test_the_end_of_day_count_records_the_variance(client, network):
    owner = phone(client, network.owner.phone)
    owner.dial("5")
    assert owner.type("4900") == (
        "CON Record KES 4,900 as today's count?\nEnter agent PIN\n0. Back"
    )
    assert owner.type(OWNER_PIN) == (
        "END Count saved. Counted KES 4,900, expected KES 5,000, difference KES -100."
    )


def test_a_withdrawal_in_kiswahili(client, network, wanjiku):
    assert wanjiku.customer is not None
    services.set_language(wanjiku.customer, "sw")
    customer = phone(client, wanjiku.customer.phone)
    assert customer.dial("2") == ("CON Toa pesa\n1. Kwa wakala\n2. Pata nambari ya wakala\n0. Rudi")
    assert customer.type("1") == "CON Toa pesa\nWeka nambari ya wakala\n0. Rudi"
    assert customer.type("999999") == (
        "CON Hakuna wakala mwenye nambari hiyo.\nToa pesa\nWeka nambari ya wakala\n0. Rudi"
    )
    customer.type("100201")
    assert customer.type("1") == "CON Toa pesa kwa WANJIKU SHOP\nWeka kiasi\n0. Rudi"
    assert customer.type("1000") == (
        "CON Toa KES 1,000 kwa WANJIKU SHOP duka 1?\nAda KES 29\nWeka PIN\n0. Rudi"
    )
    assert customer.type(WANJIKU_PIN).startswith("END ")
    assert "Pokea KES 1,000 kutoka kwa WANJIKU SHOP. Ada KES 29." in customer.screen
    assert balance_of(wanjiku) == 4_971 * KES


def test_an_assistant_added_without_a_pin_chooses_one_on_the_first_dial(client, network):
    newcomer = agents.add_assistant(
        store=network.store2, name="Grace Chebet", phone="+254720309999"
    )
    first = phone(client, newcomer.phone)
    assert first.dial() == "CON Welcome Grace. Choose a 4-digit agent PIN\n0. Back"
    assert first.type("5927") == "CON Enter the new PIN again\n0. Back"
    assert first.type("5927") == "END Your agent PIN is set. Dial *384# again to serve customers."
    assert phone(client, newcomer.phone).dial().startswith("CON WANJIKU SHOP store 2\n1. Cash in")


def test_a_wallet_frozen_mid_session_stops_at_the_next_hop(client, wanjiku):
    customer = phone(client, wanjiku.customer.phone)
    customer.dial("5")
    Customer.objects.filter(pk=wanjiku.customer.pk).update(status="frozen")
    assert customer.type("5") == (
        "END Your wallet is not active. Please call customer care on 100."
    )
