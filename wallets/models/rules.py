"""Market rules as data: limits per KYC tier and banded fee tariffs, both effective-dated.

The rule in force at a moment is the row (or tariff) with the latest `effective_from` not after
it, so a new schedule is added ahead of time and old postings keep their history.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from wallets.models.customers import KycTier


class TierLimit(models.Model):
    """What a customer of one KYC tier may move, in minor units. Null means no limit."""

    tier = models.CharField(max_length=8, choices=KycTier.choices)
    currency = models.CharField(max_length=3)
    effective_from = models.DateTimeField(default=timezone.now)
    min_amount = models.BigIntegerField()
    max_per_transaction = models.BigIntegerField()
    max_daily = models.BigIntegerField(help_text="Total outgoing per calendar day.")
    max_monthly = models.BigIntegerField(null=True, blank=True)
    max_balance = models.BigIntegerField(null=True, blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="Regulation or circular.")
    open_by_phone = models.BooleanField(
        default=False,
        help_text="People may open a wallet of this tier themselves, from the USSD menu.",
    )

    class Meta:
        ordering = ["tier", "currency", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "currency", "effective_from"], name="tier_limit_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(min_amount__gt=0)
                & Q(max_per_transaction__gte=models.F("min_amount"))
                & Q(max_daily__gte=models.F("max_per_transaction")),
                name="tier_limit_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} {self.currency} from {self.effective_from:%Y-%m-%d}"


class TariffKind(models.TextChoices):
    SEND_MONEY = "send_money", "Send money"
    CASH_OUT = "cash_out", "Withdrawal at an agent"
    MERCHANT_STANDARD = "merchant_standard", "Merchant payments: standard"
    MERCHANT_MICRO = "merchant_micro", "Merchant payments: micropayments"
    DISBURSEMENT = "disbursement", "Disbursement from a business"


# The schedules a merchant may be put on; the merchant pays the fee, never the customer.
MERCHANT_TARIFF_KINDS = (TariffKind.MERCHANT_STANDARD, TariffKind.MERCHANT_MICRO)


class Tariff(models.Model):
    """A fee schedule for one kind of transaction, in force from `effective_from`."""

    kind = models.CharField(max_length=32, choices=TariffKind.choices)
    currency = models.CharField(max_length=3)
    effective_from = models.DateTimeField(default=timezone.now)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["kind", "currency", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "currency", "effective_from"], name="tariff_unique_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.currency} from {self.effective_from:%Y-%m-%d}"


class TariffBand(models.Model):
    """Amounts from `min_amount` to `max_amount` inclusive pay a flat `fee` (minor units)."""

    tariff = models.ForeignKey(Tariff, on_delete=models.CASCADE, related_name="bands")
    min_amount = models.BigIntegerField()
    max_amount = models.BigIntegerField()
    fee = models.BigIntegerField()

    class Meta:
        ordering = ["tariff", "min_amount"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_amount__gt=0)
                & Q(max_amount__gte=models.F("min_amount"))
                & Q(fee__gte=0),
                name="tariff_band_valid",
            ),
            models.UniqueConstraint(fields=["tariff", "min_amount"], name="tariff_band_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.min_amount}-{self.max_amount}: {self.fee}"


class LimitCounter(models.Model):
    """A running daily total under a name, for limits that are not a KYC tier's (an agent's
    cash-in and cash-out). `wallets_post` checks and adds to it under the row's lock, in the
    same statement as the posting, so concurrent postings cannot pass the limit together."""

    key = models.CharField(max_length=100, unique=True)
    day_on = models.DateField()
    day_total = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key}: {self.day_total} on {self.day_on}"
