"""A merchant (the business, with its KYB details, fee schedule, limits and settlement
instructions) and its payment points (tills and pay-bill numbers)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from wallets.models.rules import TariffKind
from wallets.phones import validate_phone

digits_only = RegexValidator(r"^[0-9]{5,7}$", "Five to seven digits.")


class BusinessStatus(models.TextChoices):
    PENDING = "pending", "Pending: onboarding (KYB not verified)"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    CLOSED = "closed", "Closed"


class SettlementMethod(models.TextChoices):
    NONE = "none", "Keep the balance (no sweep)"
    OPERATOR = "operator", "To the business's mobile-money number"
    BANK = "bank", "To a bank account (through the bank's pay-bill)"


MERCHANT_FEE_KINDS = [
    (TariffKind.MERCHANT_STANDARD.value, TariffKind.MERCHANT_STANDARD.label),
    (TariffKind.MERCHANT_MICRO.value, TariffKind.MERCHANT_MICRO.label),
]


class Merchant(models.Model):
    name = models.CharField(max_length=120, help_text="The registered business name.")
    display_name = models.CharField(
        max_length=40, help_text="What customers see on the confirmation screen and receipts."
    )
    # Know your business (KYB).
    registration_number = models.CharField(max_length=40, blank=True)
    tax_pin = models.CharField(max_length=20, blank=True, verbose_name="tax PIN")
    contact_name = models.CharField(max_length=120, blank=True)
    phone = models.CharField(
        max_length=16, validators=[validate_phone], help_text="E.164; payment SMS go here."
    )
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=200, blank=True)
    kyb_verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    kyb_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    status = models.CharField(
        max_length=10, choices=BusinessStatus.choices, default=BusinessStatus.PENDING
    )
    account = models.OneToOneField(
        "wallets.Account",
        on_delete=models.PROTECT,
        related_name="merchant",
        limit_choices_to={"kind": "merchant"},
        editable=False,
    )
    fee_kind = models.CharField(
        max_length=32,
        choices=MERCHANT_FEE_KINDS,
        default=TariffKind.MERCHANT_STANDARD,
        verbose_name="fee schedule",
        help_text="The tariff the merchant pays on each payment it receives.",
    )
    # Limits in minor units; empty means no limit.
    max_per_payment = models.BigIntegerField(null=True, blank=True)
    max_daily_received = models.BigIntegerField(null=True, blank=True)
    max_daily_disbursed = models.BigIntegerField(null=True, blank=True)
    # Notifications of payments received.
    notify_by_sms = models.BooleanField(default=True)
    webhook_url = models.URLField(blank=True, help_text="Signed POST for every payment event.")
    webhook_secret = models.CharField(max_length=64, blank=True, editable=False)
    # Settlement instructions.
    settlement_method = models.CharField(
        max_length=10, choices=SettlementMethod.choices, default=SettlementMethod.NONE
    )
    settlement_operator = models.ForeignKey(
        "operators.Operator", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    settlement_phone = models.CharField(
        max_length=16, blank=True, validators=[validate_phone], help_text="E.164 (operator)."
    )
    bank_paybill = models.CharField(max_length=10, blank=True, help_text="The bank's pay-bill.")
    bank_account = models.CharField(max_length=40, blank=True)
    settlement_reserve = models.BigIntegerField(
        default=0, help_text="Left in the account after each sweep, in minor units."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(max_per_payment__isnull=True) | Q(max_per_payment__gt=0))
                & (Q(max_daily_received__isnull=True) | Q(max_daily_received__gt=0))
                & (Q(max_daily_disbursed__isnull=True) | Q(max_daily_disbursed__gt=0))
                & Q(settlement_reserve__gte=0),
                name="merchant_limits_positive",
            ),
            models.CheckConstraint(
                condition=~Q(settlement_method="operator")
                | (Q(settlement_operator__isnull=False) & ~Q(settlement_phone="")),
                name="merchant_operator_settlement_complete",
            ),
            models.CheckConstraint(
                condition=~Q(settlement_method="bank")
                | (
                    Q(settlement_operator__isnull=False) & ~Q(bank_paybill="") & ~Q(bank_account="")
                ),
                name="merchant_bank_settlement_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def currency(self) -> str:
        return self.account.currency

    @property
    def is_active(self) -> bool:
        return self.status == BusinessStatus.ACTIVE


class PointKind(models.TextChoices):
    TILL = "till", "Till (Buy Goods)"
    PAYBILL = "paybill", "Pay-bill (with an account number)"


class PaymentPoint(models.Model):
    """A number customers pay: a till, or a pay-bill number plus the account they pay for."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="points")
    kind = models.CharField(max_length=10, choices=PointKind.choices)
    number = models.CharField(max_length=7, unique=True, validators=[digits_only])
    label = models.CharField(max_length=40, blank=True, help_text="e.g. the branch or counter.")
    account_pattern = models.CharField(
        max_length=100,
        blank=True,
        help_text="Pay-bill only: a regular expression the account number must match "
        "(empty: any 1-20 letters or digits).",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="paybill") | Q(account_pattern=""),
                name="payment_point_pattern_only_for_paybill",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number} ({self.merchant.display_name})"
