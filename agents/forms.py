"""Back-office forms for the agent network: the commission bands (checked by
`wallets.forms.BandsFormSet`, as tariffs are) and the "issue float" action's amount."""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError

from agents.models import CommissionBand
from wallets.errors import InvalidAmount
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
