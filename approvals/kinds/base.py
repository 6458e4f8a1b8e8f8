"""What every kind of change shares, and the small readers the kinds use on payloads.

A kind is told the payload a maker typed (or another app built) and answers four questions:
is it a valid change, and what exactly is it (`clean`, which returns the normalised payload
that is stored and later applied); how does a checker read it (`describe`); which row is it
about (`target`); and how is it made (`apply`, which calls the services once; a posting's
idempotency key is `change:<id>`, so applying twice posts once).

`clean` runs again when the change is approved: the world may have moved since it was asked
(a wallet frozen by someone else, a date now past), and the checker is told so instead of
applying a change that no longer makes sense. So `clean` accepts its own output unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Model

from approvals.models import ChangeKind
from wallets.errors import InvalidPhoneNumber
from wallets.models import Customer, Transaction
from wallets.money import format_amount
from wallets.phones import normalize_phone

if TYPE_CHECKING:
    from approvals.models import ChangeRequest

Payload = dict[str, Any]


class Kind:
    """One kind of change. Subclasses set `name` and implement the four methods."""

    name: ClassVar[str]

    @property
    def label(self) -> str:
        return str(ChangeKind(self.name).label)

    @property
    def request_permission(self) -> str:
        return f"approvals.request_{self.name}"

    @property
    def approve_permission(self) -> str:
        return f"approvals.approve_{self.name}"

    def clean(self, payload: Mapping[str, Any]) -> Payload:
        """The normalised change; ValidationError with a readable message if it is not one."""
        raise NotImplementedError

    def describe(self, payload: Payload) -> str:
        """One line for the checker, from a cleaned payload."""
        raise NotImplementedError

    def target(self, payload: Payload) -> Model | None:
        """The row the change is about, if it is about one."""
        return None

    def apply(self, change: ChangeRequest) -> Transaction | None:
        """Make the change through the services; return the posting it made, if any."""
        raise NotImplementedError


def initiator(change: ChangeRequest) -> str:
    """Who a posting says made it: the maker and the checker, as the ledger keeps it."""
    checker = change.checker.get_username() if change.checker else "?"
    return f"admin:{change.maker.get_username()}/{checker}"[:100]


def whole_number(payload: Mapping[str, Any], field: str, *, required: bool = True) -> int | None:
    """An integer field (minor units, an id); booleans and fractions are refused."""
    value = payload.get(field)
    if value in (None, ""):
        if required:
            raise ValidationError({field: "This is required."})
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError({field: "Enter a whole number."})
    try:
        return int(value)
    except ValueError:
        raise ValidationError({field: "Enter a whole number."}) from None


def positive_amount(payload: Mapping[str, Any], field: str = "amount") -> int:
    amount = whole_number(payload, field)
    if amount is None or amount <= 0:
        raise ValidationError({field: "Enter an amount greater than zero (in minor units)."})
    return amount


def choice(payload: Mapping[str, Any], field: str, allowed: Mapping[str, str]) -> str:
    value = str(payload.get(field) or "")
    if value not in allowed:
        raise ValidationError({field: f"Choose one of: {', '.join(allowed)}."})
    return value


def currency_of(payload: Mapping[str, Any]) -> str:
    currency = str(payload.get("currency") or settings.DEFAULT_CURRENCY).strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationError({"currency": "A currency is a 3-letter ISO 4217 code."})
    return currency


def find_customer(payload: Mapping[str, Any]) -> Customer:
    """The customer named by `customer` (an id) or `phone` (any format a person types)."""
    customer_id = whole_number(payload, "customer", required=False)
    if customer_id is not None:
        found = Customer.objects.filter(pk=customer_id).first()
    else:
        try:
            phone = normalize_phone(str(payload.get("phone") or ""))
        except InvalidPhoneNumber as error:
            raise ValidationError({"phone": error.text}) from None
        found = Customer.objects.filter(phone=phone).first()
    if found is None:
        raise ValidationError({"phone": "No wallet is registered for that customer."})
    return found


def customer_named(customer_id: int) -> str:
    customer = Customer.objects.filter(pk=customer_id).first()
    return f"{customer.phone} ({customer.name})" if customer else f"customer #{customer_id}"


def money(amount: int | None, currency: str) -> str:
    return "no limit" if amount is None else format_amount(amount, currency)
