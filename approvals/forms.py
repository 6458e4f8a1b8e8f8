"""The forms staff fill in to ask for a change, one per kind, and the checker's note.

A form only turns what a person types into a payload (amounts typed in shillings become minor
units through `wallets.money`); the kind's `clean` decides whether it is a valid change, so a
request made from another app is held to the same rules. Fields are named as the payload's
keys, so the kind's errors land on the field they are about.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from agents.models import NetworkStatus
from approvals.kinds.business import MERCHANT_STATUSES
from approvals.kinds.people import AGENT_STATUSES, LEVELS
from merchants.models import BusinessStatus
from wallets.errors import InvalidAmount
from wallets.models import KycTier, TariffKind
from wallets.money import exponent, parse_amount
from wallets.services.adjustments import Direction

ZERO = re.compile(r"0+(\.0+)?")
BAND_LINE = re.compile(r"^\s*(?P<low>.+?)\s+to\s+(?P<high>.+?)\s*:\s*(?P<fee>.+?)\s*$")


class ChangeForm(forms.Form):
    """What every request has: the reason, which the checker reads first."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Why this change is needed (a ticket, a case, a statement line).",
    )
    amount_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"] = self.fields.pop("reason")  # last: what, then why

    def payload(self) -> dict[str, Any]:
        return {key: value for key, value in self.cleaned_data.items() if key != "reason"}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        currency = cleaned.get("currency") or settings.DEFAULT_CURRENCY
        for field in self.amount_fields:
            if cleaned.get(field):
                try:
                    cleaned[field] = parse_amount(cleaned[field], currency)
                except InvalidAmount as error:
                    self.add_error(field, error.text)
            else:
                cleaned[field] = None
        return cleaned


def currency_field() -> forms.CharField:
    return forms.CharField(max_length=3, initial=settings.DEFAULT_CURRENCY)


def amount_field(label: str, *, required: bool = True) -> forms.CharField:
    help_text = "In the currency's units, e.g. 1,500 or 150.50."
    if not required:
        help_text += " Empty: no limit."
    return forms.CharField(label=label, required=required, help_text=help_text)


class AdjustmentForm(ChangeForm):
    phone = forms.CharField(required=False, help_text="A customer's phone: their wallet.")
    agent_number = forms.CharField(required=False, help_text="Or an agent number: its float.")
    currency = currency_field()
    amount = amount_field("Amount")
    direction = forms.ChoiceField(choices=Direction.choices)
    amount_fields = ("amount",)

    def payload(self) -> dict[str, Any]:
        payload = super().payload()
        return {key: value for key, value in payload.items() if value not in ("", None)}


class ForcedReversalForm(ChangeForm):
    reference = forms.CharField(required=False, help_text="The transaction's reference code.")
    reversal_request = forms.IntegerField(
        required=False, help_text="Or the number of a customer's open reversal request."
    )


class CustomerForm(ChangeForm):
    phone = forms.CharField(help_text="The customer's phone number.")


class KycTierForm(CustomerForm):
    tier = forms.ChoiceField(choices=KycTier.choices)


class AgentStatusForm(ChangeForm):
    level = forms.ChoiceField(choices=[(level, level.title()) for level in LEVELS])
    ref = forms.CharField(
        label="Which one",
        help_text="An agent number; a store as agent number/store number (100201/2); an"
        " assistant's phone; an aggregator's name.",
    )
    status = forms.ChoiceField(
        choices=[
            (value, f"{verb} ({NetworkStatus(value).label})")
            for value, verb in AGENT_STATUSES.items()
        ]
    )


class MerchantStatusForm(ChangeForm):
    ref = forms.CharField(
        label="Merchant",
        help_text="One of its till or pay-bill numbers, or the business's exact registered name.",
    )
    status = forms.ChoiceField(
        choices=[
            (value, f"{verb} ({BusinessStatus(value).label})")
            for value, verb in MERCHANT_STATUSES.items()
        ]
    )


class RuleForm(ChangeForm):
    currency = currency_field()
    effective_from = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="When the new version starts. Empty: as soon as it is approved.",
    )

    def payload(self) -> dict[str, Any]:
        payload = super().payload()
        start = payload.get("effective_from")
        payload["effective_from"] = start.isoformat() if start else ""
        return payload


class TierLimitForm(RuleForm):
    field_order = ["tier", "currency", "effective_from"]
    tier = forms.ChoiceField(choices=KycTier.choices)
    min_amount = amount_field("Minimum amount")
    max_per_transaction = amount_field("Per transaction")
    max_daily = amount_field("Daily")
    max_monthly = amount_field("Monthly", required=False)
    max_balance = amount_field("Maximum balance", required=False)
    open_by_phone = forms.BooleanField(
        required=False, help_text="People may open a wallet of this tier from the USSD menu."
    )
    source = forms.CharField(required=False, max_length=200, help_text="Regulation or circular.")
    amount_fields = ("min_amount", "max_per_transaction", "max_daily", "max_monthly", "max_balance")


class TariffForm(RuleForm):
    field_order = ["kind", "currency", "effective_from"]
    kind = forms.ChoiceField(label="Tariff for", choices=TariffKind.choices)
    description = forms.CharField(required=False, max_length=200)
    bands = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8, "cols": 40}),
        help_text="One band per line, as tariffs are published: FROM to TO: FEE, e.g."
        " '1 to 100: 0' then '101 to 500: 7' (a band written from 101 after one to 100 starts"
        " at 100.01). Bands are contiguous, from the smallest amount up.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if isinstance(cleaned.get("bands"), str):
            currency = cleaned.get("currency") or settings.DEFAULT_CURRENCY
            try:
                cleaned["bands"] = parse_bands(cleaned["bands"], currency)
            except ValidationError as error:
                self.add_error("bands", error)
        return cleaned


def parse_bands(text: str, currency: str) -> list[dict[str, int]]:
    """'1 to 100: 0' per line -> [{"min_amount": 100, "max_amount": 10000, "fee": 0}] (KES).

    Published tariffs name whole units ('1-100', '101-500'); the band from 101 covers 100.01
    too, so a band starting within one unit above the previous band's end starts one minor
    unit after it (as the seeded Kenyan tariffs do). Any other gap or overlap is kept, for
    `check_bands` to report.
    """
    bands = _typed_bands(text, currency)
    bands.sort(key=lambda band: band["min_amount"])
    unit = 10 ** exponent(currency)
    for previous, band in pairwise(bands):
        if previous["max_amount"] < band["min_amount"] <= previous["max_amount"] + unit:
            band["min_amount"] = previous["max_amount"] + 1
    return bands


def _typed_bands(text: str, currency: str) -> list[dict[str, int]]:
    bands = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = BAND_LINE.match(line)
        if match is None:
            raise ValidationError(f"Line {number}: write FROM to TO: FEE.")
        try:
            bands.append(
                {
                    "min_amount": parse_amount(match["low"], currency),
                    "max_amount": parse_amount(match["high"], currency),
                    "fee": 0
                    if ZERO.fullmatch(match["fee"])
                    else parse_amount(match["fee"], currency),
                }
            )
        except InvalidAmount as error:
            raise ValidationError(f"Line {number}: {error.text}") from None
    return bands


FORMS: dict[str, type[ChangeForm]] = {
    "adjustment": AdjustmentForm,
    "forced_reversal": ForcedReversalForm,
    "kyc_tier": KycTierForm,
    "freeze": CustomerForm,
    "unfreeze": CustomerForm,
    "agent_status": AgentStatusForm,
    "merchant_status": MerchantStatusForm,
    "tier_limit": TierLimitForm,
    "tariff": TariffForm,
}


class DecisionForm(forms.Form):
    """The checker's note: optional when approving, required when rejecting."""

    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Recorded with the decision; a rejection must say why.",
    )
