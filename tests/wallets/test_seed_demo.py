"""`manage.py seed_demo`: the documented demo network, created once however often it runs."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from wallets import demo, services
from wallets.invariants import check_ledger
from wallets.models import (
    Account,
    Customer,
    HouseBalance,
    KycTier,
    PaymentRequest,
    Posting,
    Transaction,
)
from wallets.money import format_amount
from wallets.phones import normalize_phone
from wallets.pins import check_pin_strength


@pytest.fixture
def debug(settings):
    settings.DEBUG = True  # pytest-django runs with DEBUG off; the demo is a development tool


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, object]:
    return {
        "counts": [
            model.objects.count()
            for model in (
                Customer,
                Account,
                Transaction,
                Posting,
                get_user_model(),
                Token,
                PaymentRequest,
            )
        ],
        "balances": dict(Account.objects.values_list("id", "balance")),
        "shards": dict(HouseBalance.objects.values_list("id", "balance")),
        "pins": dict(Customer.objects.values_list("phone", "pin_hash")),
        "passwords": dict(get_user_model().objects.values_list("username", "password")),
        "tokens": list(Token.objects.values_list("key", flat=True)),
    }


def test_seeding_twice_keeps_the_same_rows_and_balances(db, debug):
    seed()
    first = snapshot()
    again = seed()
    assert snapshot() == first
    assert "(0 new this run)" in again
    assert check_ledger() == []


def test_the_demo_customers_hold_their_funding_less_the_demo_transfers(db, debug):
    seed()
    expected = {entry.phone: entry.funding for entry in demo.CUSTOMERS}
    for transfer in demo.TRANSFERS:
        fee = services.fee_for("send_money", demo.CURRENCY, transfer.amount)
        expected[transfer.sender] -= transfer.amount + fee
        expected[transfer.recipient] += transfer.amount
    for phone, amount in expected.items():
        assert Customer.objects.get(phone=phone).wallet(demo.CURRENCY).balance == amount


def test_the_demo_has_a_pending_request_and_lets_new_numbers_register(db, debug):
    seed()
    wanjiku = Customer.objects.get(phone="+254700100101")
    (pending,) = services.pending_requests(wanjiku)
    assert (pending.requester_name, pending.amount) == ("Otieno Ochieng", 35_000)
    assert services.self_registration_tier(demo.CURRENCY) == KycTier.TIER_1


def test_the_demo_customers_sign_in_with_their_documented_pins(db, debug):
    seed()
    for entry in demo.CUSTOMERS:
        customer = Customer.objects.get(phone=entry.phone)
        services.verify_pin(customer, entry.pin)
        assert (customer.name, customer.kyc_tier) == (entry.name, entry.kyc_tier)
    tiers = [entry.kyc_tier for entry in demo.CUSTOMERS]
    assert tiers.count(KycTier.TIER_1) >= 4
    assert tiers.count(KycTier.TIER_0) == 1


def test_the_demo_data_is_valid_kenyan_phones_and_strong_pins():
    for entry in demo.CUSTOMERS:
        assert normalize_phone(entry.phone, "KE") == entry.phone
        check_pin_strength(entry.pin, date_of_birth=entry.date_of_birth)
        assert entry.kyc_tier == KycTier.TIER_0 or (entry.id_number and entry.date_of_birth)


def test_the_summary_lists_phones_pins_balances_the_staff_login_and_the_token(db, debug):
    output = seed()
    for entry in demo.CUSTOMERS:
        wallet = Customer.objects.get(phone=entry.phone).wallet(demo.CURRENCY)
        line = next(line for line in output.splitlines() if entry.phone in line)
        assert entry.name in line
        assert entry.pin in line
        assert line.endswith(format_amount(wallet.balance, demo.CURRENCY))
    assert f"{demo.STAFF_USERNAME} / {demo.STAFF_PASSWORD}" in output
    assert f"Token {demo.PARTNER_TOKEN}" in output


def test_the_demo_staff_login_opens_the_admin(client, db, debug):
    seed()
    assert client.login(username=demo.STAFF_USERNAME, password=demo.STAFF_PASSWORD)
    assert client.get("/admin/wallets/customer/").status_code == 200


def test_the_demo_partner_authenticates_with_its_token_only(db, debug):
    seed()
    token = Token.objects.get(key=demo.PARTNER_TOKEN)
    assert token.user.username == demo.PARTNER_USERNAME
    assert not token.user.has_usable_password()
    assert not token.user.is_staff


def test_an_existing_admin_user_keeps_its_password(db, debug):
    get_user_model().objects.create_superuser("admin", "ops@example.com", "a-private-passphrase")
    output = seed()
    assert "existing user: password unchanged" in output
    assert get_user_model().objects.get(username="admin").check_password("a-private-passphrase")


def test_a_pin_changed_after_seeding_is_kept(db, debug):
    seed()
    entry = demo.CUSTOMERS[0]
    customer = Customer.objects.get(phone=entry.phone)
    services.change_pin(customer, entry.pin, "6093")
    seed()
    services.verify_pin(Customer.objects.get(phone=entry.phone), "6093")


def test_seed_demo_refuses_to_run_with_debug_off_unless_forced(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("seed_demo", stdout=StringIO())
    assert not Customer.objects.exists()
    call_command("seed_demo", "--force", stdout=StringIO())
    assert Customer.objects.count() == len(demo.CUSTOMERS)
