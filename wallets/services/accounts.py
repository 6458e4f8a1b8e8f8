"""Opening wallets and house accounts."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction

from wallets.errors import AlreadyRegistered, DuplicateIdNumber, LedgerError, UnknownCustomer
from wallets.models import HOUSE_KINDS, HOUSE_SHARDS, Account, AccountKind, Customer, HouseBalance
from wallets.models.customers import KycTier
from wallets.phones import normalize_phone


@transaction.atomic(durable=True)
def register_customer(
    *,
    phone: str,
    name: str,
    language: str = "en",
    kyc_tier: str = KycTier.TIER_1,
    id_type: str = "",
    id_number: str = "",
    date_of_birth: datetime.date | None = None,
    currency: str | None = None,
    along: Callable[[Customer], None] | None = None,
) -> Customer:
    """Create a customer with a wallet in `currency`.

    An existing phone number is refused; an ID number already registered is refused or flagged
    for review, as `KYC_DUPLICATE_ID` says. `along` runs in the same transaction with the new
    customer, for what must exist with it or not at all (who registered them, a welcome SMS).
    """
    phone = normalize_phone(phone)
    if Customer.objects.filter(phone=phone).exists():
        raise AlreadyRegistered()
    review = _duplicate_id_review(id_type, id_number.strip())
    customer = Customer(
        phone=phone,
        name=name.strip(),
        language=language,
        kyc_tier=kyc_tier,
        id_type=id_type,
        id_number=id_number.strip(),
        date_of_birth=date_of_birth,
        kyc_review=review,
    )
    customer.full_clean()
    customer.save()
    _wallet_for(customer, currency or settings.DEFAULT_CURRENCY)
    if along is not None:
        along(customer)
    return customer


def _duplicate_id_review(id_type: str, id_number: str) -> str:
    if not id_number:
        return ""
    holders = Customer.objects.filter(id_type=id_type, id_number__iexact=id_number)
    phones = list(holders.values_list("phone", flat=True)[:3])
    if not phones:
        return ""
    if settings.KYC_DUPLICATE_ID == "refuse":
        raise DuplicateIdNumber()
    note = "Same ID number as " + ", ".join(phones)
    holders.filter(kyc_review="").update(kyc_review="Same ID number as a newer registration")
    return note[:200]


@transaction.atomic(durable=True)
def open_wallet(*, customer: Customer, currency: str) -> Account:
    """The customer's wallet in `currency`, opened if it does not exist yet."""
    return _wallet_for(customer, currency)


def _wallet_for(customer: Customer, currency: str) -> Account:
    account, _ = Account.objects.get_or_create(
        customer=customer, kind=AccountKind.CUSTOMER_WALLET, currency=currency
    )
    return account


def house_account(kind: str, currency: str | None = None, name: str = "") -> Account:
    """The house account of `kind` (and `name`, e.g. an operator) in `currency`, with its shards."""
    if kind not in HOUSE_KINDS:
        raise LedgerError(f"{kind} is not a house account kind.")
    currency = currency or settings.DEFAULT_CURRENCY
    code = ":".join(part for part in (kind, name, currency) if part)
    account = Account.objects.filter(code=code).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            account = Account.objects.create(kind=kind, currency=currency, code=code)
            HouseBalance.objects.bulk_create(
                HouseBalance(account=account, shard=shard) for shard in range(HOUSE_SHARDS)
            )
    except IntegrityError:  # opened concurrently
        return Account.objects.get(code=code)
    return account


def set_language(customer: Customer, language: str) -> None:
    """Keep the customer's language for menus and receipts."""
    if language not in dict(settings.LANGUAGES):
        raise LedgerError(f"{language} is not a supported language.")
    Customer.objects.filter(pk=customer.pk).update(language=language)
    customer.language = language


def customer_wallet(
    phone: str, currency: str, missing: type[UnknownCustomer] = UnknownCustomer
) -> Account:
    """The customer wallet of `phone` (E.164) in `currency`, with its customer; raise
    `missing` if there is none."""
    wallet = (
        Account.objects.select_related("customer")
        .filter(customer__phone=phone, kind=AccountKind.CUSTOMER_WALLET, currency=currency)
        .first()
    )
    if wallet is None:
        raise missing()
    return wallet
