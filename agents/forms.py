"""Back-office forms for the agent network: the commission bands' checks and the "issue
float" action's amount. The admin classes only wire these in."""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError

from agents.models import CommissionBand
from wallets.errors import InvalidAmount
from wallets.forms import check_bands
from wallets.money import parse_amount


class CommissionBandForm(forms.ModelForm):
    class Meta:
        model = CommissionBand
        fields = ["min_amount", "max_amount", "commission"]
        labels = {
            "min_amount": "From (minor units)",
            "max_amount": "To, inclusive (minor units)",
            "commission": "Commission (minor units)",
        }


class CommissionBandFormSet(forms.BaseInlineFormSet):
    """The bands of one commission table, contiguous and without overlaps (`check_bands`)."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        check_bands(
            (form.cleaned_data["min_amount"], form.cleaned_data["max_amount"])
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        )


class IssueFloatForm(ActionForm):
    """The aggregator list's action bar: the amount to issue, and a key fixed when the page
    is drawn, so submitting the same page twice issues once."""

    amount = forms.CharField(
        required=False,
        max_length=20,
        label="Amount",
        widget=forms.TextInput(attrs={"placeholder": "e.g. 1,000,000", "size": 12}),
    )
    request_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["request_key"].initial = uuid.uuid4().hex


def issued_amount(text: str) -> int:
    """The amount typed in the action bar, in minor units; ValidationError if it is not one."""
    try:
        return parse_amount(text, settings.DEFAULT_CURRENCY)
    except InvalidAmount as error:
        raise ValidationError(error.text) from None
