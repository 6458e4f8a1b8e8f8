"""Registering a customer at an agent: ID seen over the counter, wallet opened at tier 1.

The wallet is opened by `wallets.services.register_customer` (which applies the duplicate-ID
policy), and in the same transaction the `Registration` records which assistant did it and the
welcome SMS is queued: all of it or none. The customer has no PIN yet: they set one on their
first dial, on their own phone, so the agent never learns it.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone, translation

from agents import errors, texts
from agents.models import Assistant, Registration
from agents.services.network import acting_assistant
from ussd.sms.encoding import plain_name
from ussd.sms.receipts import local_phone
from ussd.sms.services import queue_sms
from wallets import services as wallet_services
from wallets.models import Customer, KycTier
from wallets.models.customers import IdType


def register_customer_at_agent(
    *,
    assistant: Assistant,
    phone: str,
    name: str,
    id_type: str,
    id_number: str,
    date_of_birth: datetime.date,
    language: str | None = None,
) -> Customer:
    """Open a tier-1 wallet for a customer whose ID the assistant has seen, and welcome them
    by SMS. AlreadyRegistered / DuplicateIdNumber come from the wallets policy."""
    assistant = acting_assistant(assistant)
    check_identity(id_type=id_type, id_number=id_number, date_of_birth=date_of_birth)
    return wallet_services.register_customer(
        phone=phone,
        name=name,
        language=language or settings.LANGUAGE_CODE,
        kyc_tier=KycTier.TIER_1,
        id_type=id_type,
        id_number=id_number,
        date_of_birth=date_of_birth,
        currency=assistant.store.agent.currency,
        along=lambda customer: record(customer, assistant),
    )


def record(customer: Customer, assistant: Assistant) -> None:
    """Who registered the customer, and their welcome SMS: with the wallet, in its transaction."""
    Registration.objects.create(
        customer=customer, assistant=assistant, store=assistant.store, agent=assistant.store.agent
    )
    queue_welcome(customer)


def check_identity(*, id_type: str, id_number: str, date_of_birth: datetime.date | None) -> None:
    if id_type not in IdType.values or not id_number.strip() or date_of_birth is None:
        raise errors.InvalidIdDocument()
    today = timezone.localdate()
    minimum = settings.KYC_MIN_AGE
    had_birthday = (today.month, today.day) >= (date_of_birth.month, date_of_birth.day)
    if today.year - date_of_birth.year - (0 if had_birthday else 1) < minimum:
        raise errors.Underage()


def queue_welcome(customer: Customer) -> None:
    code = settings.USSD_SERVICE_CODE
    with translation.override(customer.language):
        text = str(texts.WELCOME).format(
            name=(plain_name(customer.name).split() or [""])[0],
            phone=local_phone(customer.phone),
            code=code,
        )
    queue_sms(
        to=customer.phone,
        text=text,
        purpose="registration",
        dedup_key=f"registration:{customer.pk}",
        language=customer.language,
    )
