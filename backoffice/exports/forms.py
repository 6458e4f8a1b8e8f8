"""The export forms: a date range (at most a year), and a phone number for a statement."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from backoffice.exports.sources import DateRange
from wallets.errors import InvalidPhoneNumber
from wallets.models import Account, AccountKind
from wallets.phones import normalize_phone

MAX_DAYS = 366


class DateRangeForm(forms.Form):
    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(
        label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("date_from"), data.get("date_to")
        if first and last:
            if first > last:
                raise ValidationError("The start date is after the end date.")
            if (last - first).days + 1 > MAX_DAYS:
                raise ValidationError(
                    f"Export at most {MAX_DAYS} days at a time; split a longer period."
                )
        return data

    @property
    def period(self) -> DateRange:
        return DateRange(self.cleaned_data["date_from"], self.cleaned_data["date_to"])


class StatementForm(DateRangeForm):
    wallet: Account  # the customer's wallet, found by `clean_phone`

    phone = forms.CharField(
        label="Customer's phone number",
        max_length=20,
        help_text="As the customer gives it: 0712 345 678 or +254712345678.",
    )

    def clean_phone(self) -> str:
        try:
            phone = normalize_phone(self.cleaned_data["phone"])
        except InvalidPhoneNumber as error:
            raise ValidationError(error.text) from None
        wallet = (
            Account.objects.select_related("customer")
            .filter(
                kind=AccountKind.CUSTOMER_WALLET,
                customer__phone=phone,
                currency=settings.DEFAULT_CURRENCY,
            )
            .first()
        )
        if wallet is None:
            raise ValidationError(
                f"No customer has a {settings.DEFAULT_CURRENCY} wallet with the number {phone}."
            )
        self.wallet = wallet
        return phone
