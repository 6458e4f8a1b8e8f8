"""Compliance fixtures: customers with ID numbers, transfers through the services, one rule
at a time (the seeded defaults switched off), and a scan that sees what was just posted.

Postings take their time from the database clock, so sequences are posted "now" and the scan
runs a minute later (past the settle time), with windows reaching back from there.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from compliance import engine
from compliance.models import Rule
from tests.conftest import make_customer, new_key
from wallets import services
from wallets.models import Account, AccountKind, Customer, Transaction
from wallets.models.customers import IdType

KES = 100


def later(minutes: int = 1) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=minutes)


def scan(**kwargs: Any) -> engine.ScanResult:
    """A scan a minute from now: everything posted so far has settled."""
    return engine.scan(now=later(), **kwargs)


def wallet(phone: str, name: str, id_number: str = "", funding: int = 0, **extra: Any) -> Account:
    customer = make_customer(
        phone,
        name,
        id_type=IdType.NATIONAL_ID if id_number else "",
        id_number=id_number,
        **extra,
    )
    account = customer.wallet()
    if funding:
        fund(account, funding)
    return account


def owner(account: Account) -> Customer:
    assert account.customer is not None, "a house account has no owner"
    return account.customer


def person(phone: str, name: str, id_number: str = "", **extra: Any) -> Customer:
    """A registered customer (with an empty wallet)."""
    return owner(wallet(phone, name, id_number, **extra))


def fund(account: Account, amount: int) -> Transaction:
    return services.fund_from_issuance(
        wallet=account, amount=amount, idempotency_key=new_key("fund")
    )


def send(sender: Account, recipient: Account, amount: int) -> Transaction:
    return services.send_money(
        sender=sender, recipient=recipient, amount=amount, idempotency_key=new_key("send")
    )


@pytest.fixture
def fee_income(db) -> Account:
    return services.house_account(AccountKind.FEE_INCOME, "KES")


@pytest.fixture
def only_rule(db) -> Callable[..., Rule]:
    """Create one rule; every other (the seeded defaults) is switched off."""

    def _make(**fields: Any) -> Rule:
        Rule.objects.update(active=False)
        fields.setdefault("name", f"test {fields['kind']}")
        rule = Rule(**fields)
        rule.full_clean()
        rule.save()
        return rule

    return _make


@pytest.fixture
def people(db, fee_income) -> dict[str, Account]:
    """Six registered customers with wallets, Amani funded with KES 100,000."""
    names = [
        "Amani Kariuki",
        "Baraka Njoroge",
        "Chiku Wambui",
        "Dalia Achieng",
        "Eli Mutua",
        "Faraji Omondi",
    ]
    found = {}
    for index, name in enumerate(names):
        first = name.split()[0].lower()
        found[first] = wallet(f"+2547220000{index:02d}", name, id_number=f"3100000{index}")
    fund(found["amani"], 100_000 * KES)
    return found
