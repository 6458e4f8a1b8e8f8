"""Back-office forms: the checks a tariff's bands must pass, and the reversal reason.

The admin classes only wire these in; the rules live here so that they can be read and tested
without the admin.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

from django import forms
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError


def check_bands(bands: Iterable[tuple[int, int]]) -> None:
    """Refuse bands that overlap or leave a gap: each starts one minor unit after the last ends.

    `bands` are (min_amount, max_amount) pairs in minor units, inclusive, in any order. A gap
    would leave amounts with no fee (the posting refuses them); an overlap would make the fee
    depend on which row the database reads first.
    """
    ordered = sorted(bands)
    if not ordered:
        raise ValidationError("A tariff needs at least one band.")
    problems = [f"Band {low}-{high} ends before it starts." for low, high in ordered if high < low]
    problems += [f"Band {low}-{high} must start above 0." for low, high in ordered if low <= 0]
    for (low, high), (next_low, next_high) in pairwise(ordered):
        if next_low <= high:
            problems.append(f"Bands {low}-{high} and {next_low}-{next_high} overlap.")
        elif next_low > high + 1:
            problems.append(
                f"Amounts {high + 1}-{next_low - 1} fall in no band: bands must be contiguous."
            )
    if problems:
        raise ValidationError(problems)


class BandsFormSet(forms.BaseInlineFormSet):
    """The bands of one banded table (a tariff, a commission table), checked together with
    `check_bands`. The band forms have `min_amount` and `max_amount`."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return  # a band with a missing or malformed amount is reported on its own row
        check_bands(
            (form.cleaned_data["min_amount"], form.cleaned_data["max_amount"])
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        )


class ReverseActionForm(ActionForm):
    """The admin action bar of transactions, with the reason a reversal records."""

    reason = forms.CharField(
        required=False,
        max_length=200,
        label="Reason",
        widget=forms.TextInput(attrs={"placeholder": "reason for a reversal", "size": 30}),
    )


class DecisionActionForm(ActionForm):
    """The admin action bar of reversal requests, with the note a decision records."""

    note = forms.CharField(
        required=False,
        max_length=200,
        label="Note",
        widget=forms.TextInput(attrs={"placeholder": "note for the decision", "size": 30}),
    )
