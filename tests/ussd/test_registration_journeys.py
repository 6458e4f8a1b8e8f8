"""Numbers that cannot use the customer menu yet: self-registration and the first PIN."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import make_customer
from tests.ussd.conftest import Phone
from wallets.models import Customer, KycTier

NEW_NUMBER = "+254712999999"


@pytest.fixture
def newcomer(client: Client) -> Phone:
    return Phone(client, NEW_NUMBER)


def test_without_a_tier_open_by_phone_a_new_number_is_sent_to_an_agent(db, newcomer):
    assert newcomer.dial() == (
        "END This number has no wallet. Visit an agent with your ID to register."
    )
    assert not Customer.objects.exists()


def test_a_new_number_registers_itself_at_the_lowest_open_tier(open_by_phone, newcomer):
    assert newcomer.dial() == (
        "CON Welcome. This number has no wallet.\n1. Register now\n2. Register at an agent\n"
        "3. Kiswahili"
    )
    assert newcomer.type("1") == "CON Register\nEnter your first and last name\n0. Back"
    assert newcomer.type("jane   wambui") == "CON Enter your national ID number\n0. Back"
    assert newcomer.type("12345678") == "CON Enter your date of birth as DDMMYYYY\n0. Back"
    assert newcomer.type("31011990") == (
        "CON Register\nJane Wambui\nID 12345678\nBorn 31/01/1990\n1. Confirm\n0. Back"
    )
    assert newcomer.type("1") == "CON Choose a 4-digit PIN\n0. Back"
    assert newcomer.type("1990") == (
        "CON That PIN is too easy to guess. Avoid repeated or sequential digits and your birth"
        " year.\nChoose a 4-digit PIN\n0. Back"
    )
    assert newcomer.type("3958") == "CON Enter the new PIN again\n0. Back"
    assert newcomer.type("3958") == "END Welcome Jane. Your wallet is open. Dial *384# to use it."

    customer = Customer.objects.get(phone=NEW_NUMBER)
    assert (customer.name, customer.kyc_tier, customer.id_number) == (
        "Jane Wambui",
        KycTier.TIER_0,
        "12345678",
    )
    assert str(customer.date_of_birth) == "1990-01-31"
    assert customer.has_pin
    assert Phone(newcomer.client, NEW_NUMBER).dial("5", "1", "3958").startswith("END Balance")


def test_registration_in_kiswahili_keeps_the_language(open_by_phone, newcomer):
    assert newcomer.dial("3") == (
        "CON Karibu. Nambari hii haina akaunti.\n1. Jisajili sasa\n2. Jisajili kwa wakala\n"
        "3. English"
    )
    assert newcomer.type("1") == "CON Jisajili\nWeka jina lako la kwanza na la mwisho\n0. Rudi"
    assert newcomer.type("Jane") == (
        "CON Weka jina lako la kwanza na la mwisho, kwa herufi.\n"
        "Jisajili\nWeka jina lako la kwanza na la mwisho\n0. Rudi"
    )
    newcomer.type("Jane Wambui")
    newcomer.type("12345678")
    assert newcomer.type("31012015") == (
        "CON Lazima uwe na miaka 18 au zaidi kufungua akaunti.\n"
        "Weka tarehe yako ya kuzaliwa kama DDMMYYYY\n0. Rudi"
    )
    newcomer.type("31011990")
    newcomer.type("1")
    newcomer.type("3958")
    assert newcomer.type("3958") == (
        "END Karibu Jane. Akaunti yako imefunguliwa. Piga *384# kuitumia."
    )
    assert Customer.objects.get(phone=NEW_NUMBER).language == "sw"


def test_the_same_id_number_cannot_open_a_second_wallet(open_by_phone, newcomer):
    make_customer("+254712000001", "Jane Wambui", id_type="national_id", id_number="12345678")
    newcomer.dial("1", "Jane Wambui", "12345678", "31011990", "1", "3958")
    assert newcomer.type("3958") == "END A wallet is already registered with that ID number."
    assert not Customer.objects.filter(phone=NEW_NUMBER).exists()


def test_registering_at_an_agent_is_explained(open_by_phone, newcomer):
    assert newcomer.dial("2") == (
        "END Visit any agent with your original ID to register. It is free."
    )


def test_a_customer_registered_at_an_agent_sets_the_first_pin_after_the_id_number(db, client):
    customer = make_customer(
        "+254712000009", "Juma Hamisi", id_type="national_id", id_number="A1234567"
    )
    phone = Phone(client, customer.phone)
    assert phone.dial() == ("CON Welcome Juma. To set your PIN, enter your ID number")
    assert phone.type("a1234567") == "CON Choose a 4-digit PIN\n0. Back"
    assert phone.type("3958") == "CON Enter the new PIN again\n0. Back"
    assert phone.type("3959") == ("CON The PINs did not match.\nChoose a 4-digit PIN\n0. Back")
    phone.type("3958")
    assert phone.type("3958") == "END Your PIN is set. Dial *384# again to use your wallet."
    assert Phone(client, customer.phone).dial("5", "1", "3958").startswith("END Balance")


def test_three_wrong_id_numbers_end_the_first_pin_session(db, client):
    customer = make_customer(
        "+254712000009", "Juma Hamisi", id_type="national_id", id_number="A1234567"
    )
    phone = Phone(client, customer.phone)
    phone.dial()
    assert phone.type("11111111") == (
        "CON That ID number does not match. Try again.\n"
        "Welcome Juma. To set your PIN, enter your ID number"
    )
    phone.type("22222222")
    assert phone.type("33333333") == "END That does not match. Please call customer care on 100."
    customer.refresh_from_db()
    assert not customer.has_pin


def test_wrong_id_numbers_count_across_sessions(db, client):
    customer = make_customer(
        "+254712000009", "Juma Hamisi", id_type="national_id", id_number="A1234567"
    )
    first = Phone(client, customer.phone)
    first.dial("11111111")
    first.type("22222222")
    again = Phone(client, customer.phone)  # a new dial does not start the count again
    assert again.dial("33333333") == ("END That does not match. Please call customer care on 100.")
    assert Phone(client, customer.phone).dial("A1234567") == (
        "END Your PIN is locked after too many wrong tries. Try again later or call care."
    )
