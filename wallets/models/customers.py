"""Customers: a person with a wallet, identified by an E.164 phone number."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

from wallets.phones import validate_phone

if TYPE_CHECKING:
    from wallets.models.ledger import Account


class KycTier(models.TextChoices):
    TIER_0 = "tier0", "Tier 0: phone only, not verified"
    TIER_1 = "tier1", "Tier 1: registered with an ID"
    TIER_2 = "tier2", "Tier 2: enhanced due diligence"


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    FROZEN = "frozen", "Frozen"
    DORMANT = "dormant", "Dormant"
    CLOSED = "closed", "Closed"


class IdType(models.TextChoices):
    NATIONAL_ID = "national_id", "National ID"
    PASSPORT = "passport", "Passport"
    ALIEN_ID = "alien_id", "Alien ID"
    MILITARY_ID = "military_id", "Military ID"


class PinProtected(models.Model):
    """A holder of a 4-digit PIN. Only `wallets.pins` reads or writes these fields.

    The counter lives on the holder's row, so every channel (USSD, SMS, API, agent) shares it.
    """

    pin_hash = models.CharField(max_length=200, blank=True, editable=False)
    failed_pin_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    pin_locked_until = models.DateTimeField(null=True, blank=True, editable=False)
    pin_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A one-time start PIN (sent by support after a reset) works once: to choose a new PIN.
    pin_must_change = models.BooleanField(default=False, editable=False)

    class Meta:
        abstract = True

    @property
    def has_pin(self) -> bool:
        return bool(self.pin_hash)

    @property
    def pin_is_locked(self) -> bool:
        return bool(self.pin_locked_until and self.pin_locked_until > timezone.now())


class Customer(PinProtected):
    phone = models.CharField(max_length=16, unique=True, validators=[validate_phone])
    name = models.CharField(max_length=120)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    kyc_tier = models.CharField(max_length=8, choices=KycTier.choices, default=KycTier.TIER_0)
    id_type = models.CharField(max_length=16, choices=IdType.choices, blank=True)
    id_number = models.CharField(max_length=32, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=8, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE
    )
    kyc_review = models.CharField(
        max_length=200, blank=True, help_text="Why compliance should look at this customer."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["phone"]
        indexes = [models.Index(fields=["id_type", "id_number"]), models.Index(fields=["name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.phone})"

    def wallet(self, currency: str | None = None) -> Account:
        from wallets.models.ledger import AccountKind

        return self.accounts.get(
            kind=AccountKind.CUSTOMER_WALLET, currency=currency or settings.DEFAULT_CURRENCY
        )
