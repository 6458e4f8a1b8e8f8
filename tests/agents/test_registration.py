"""Registering a customer at an agent: a tier-1 wallet, the assistant on record, a welcome SMS."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from agents import errors, services
from agents.models import Registration
from ussd.sms.models import SmsMessage
from wallets.errors import AlreadyRegistered, DuplicateIdNumber
from wallets.models import Customer, KycTier

pytestmark = pytest.mark.django_db

BORN = datetime.date(1996, 7, 21)


def register(assistant, phone="0722100103", id_number="33604128", **extra):
    fields = {
        "name": "Achieng Odhiambo",
        "id_type": "national_id",
        "id_number": id_number,
        "date_of_birth": BORN,
    } | extra
    return services.register_customer_at_agent(assistant=assistant, phone=phone, **fields)


def test_a_registered_customer_gets_a_tier_1_wallet_and_a_welcome_sms(network):
    customer = register(network.assistant)

    assert (customer.phone, customer.kyc_tier, customer.id_number, customer.has_pin) == (
        "+254722100103",
        KycTier.TIER_1,
        "33604128",
        False,
    )
    assert customer.wallet().balance == 0
    registration = Registration.objects.get(customer=customer)
    assert (registration.assistant, registration.store, registration.agent) == (
        network.assistant,
        network.store2,
        network.agent,
    )
    welcome = SmsMessage.objects.get(to="+254722100103")
    assert welcome.text == (
        "Welcome ACHIENG. Your mobile money account 0722100103 is open. Dial *384# to set "
        "your PIN and start."
    )
    assert (welcome.dedup_key, welcome.purpose) == (f"registration:{customer.pk}", "registration")


def test_the_welcome_is_in_the_customers_language(network, settings):
    settings.USSD_SERVICE_CODE = "*483#"
    register(network.owner, language="sw")
    text = SmsMessage.objects.get(to="+254722100103").text
    assert text.startswith("Karibu ACHIENG.")
    assert "*483#" in text


def test_an_id_number_already_registered_is_refused_by_the_duplicate_policy(network):
    register(network.owner)
    with pytest.raises(DuplicateIdNumber):
        register(network.owner, phone="0733100104")
    with pytest.raises(AlreadyRegistered):
        register(network.owner, id_number="12935074")
    assert Customer.objects.count() == 1
    assert Registration.objects.count() == 1


@pytest.mark.parametrize("fields", [
    {"id_type": "library_card"},
    {"id_number": "  "},
    {"date_of_birth": None},
])  # fmt: skip
def test_an_incomplete_identity_is_refused(network, fields):
    with pytest.raises(errors.InvalidIdDocument):
        register(network.owner, **fields)
    assert not Customer.objects.exists()


def years_ago(years: int) -> datetime.date:
    """Today's date `years` ago (29 February falls back to the 28th)."""
    today = timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def test_a_minor_cannot_be_registered(network):
    seventeen = years_ago(18) + datetime.timedelta(days=1)
    with pytest.raises(errors.Underage):
        register(network.owner, date_of_birth=seventeen)
    assert register(network.owner, date_of_birth=years_ago(19)).pk


def test_an_inactive_assistant_registers_no_one(network):
    type(network.owner).objects.filter(pk=network.owner.pk).update(status="suspended")
    with pytest.raises(errors.AssistantNotActive):
        register(network.owner)
    assert not Customer.objects.exists()


def test_a_device_token_is_issued_only_to_an_active_assistant(network):
    token = services.issue_device_token(assistant=network.owner, name="Wanjiku's phone")
    assert len(token) >= 40
    type(network.assistant).objects.filter(pk=network.assistant.pk).update(status="suspended")
    with pytest.raises(errors.AssistantNotActive):
        services.issue_device_token(assistant=network.assistant, name="Kevin's phone")


def test_a_registration_that_fails_half_way_leaves_no_wallet(network, monkeypatch):
    def broken(customer):
        raise RuntimeError("the SMS outbox is unavailable")

    monkeypatch.setattr("agents.services.registration.queue_welcome", broken)
    with pytest.raises(RuntimeError):
        register(network.owner)
    assert not Customer.objects.exists()
