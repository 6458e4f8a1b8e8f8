"""Request and response shapes of the operator endpoints. No business rules live here.

The phone, currency, amount and PIN fields are the transfers API's own
(`wallets.api.serializers`), so both parse and refuse the same way.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from operators.models import RequestKind, RequestState
from wallets.api.serializers import MAX_AMOUNT, PhoneField, PinField, currency_field


class TopUpRequestSerializer(serializers.Serializer):
    phone = PhoneField(
        help_text="The customer's phone number: their wallet, and their account at the operator."
    )
    operator = serializers.SlugField(
        max_length=20, help_text='The operator\'s code, e.g. "mpesa" or "momo".'
    )
    amount = serializers.IntegerField(
        min_value=1,
        max_value=MAX_AMOUNT,
        help_text="Minor units (cents for KES). M-Pesa moves whole shillings only.",
    )
    currency = currency_field(default=settings.DEFAULT_CURRENCY)


class WithdrawalRequestSerializer(TopUpRequestSerializer):
    pin = PinField(help_text="The customer's 4-digit wallet PIN. Never logged, stored or echoed.")


class OperatorRequestSerializer(serializers.Serializer):
    reference = serializers.UUIDField(help_text="Ours, sent to the operator; a retry reuses it.")
    operator = serializers.CharField(source="operator.code")
    kind = serializers.ChoiceField(
        choices=RequestKind.choices, help_text="collection (a top-up) or payout (a withdrawal)."
    )
    phone = serializers.CharField(help_text="The operator account, in E.164.")
    amount = serializers.IntegerField(help_text="Minor units, without the fee.")
    fee = serializers.IntegerField(help_text="Ours, on top of the amount (0 for a top-up).")
    currency = serializers.CharField()
    state = serializers.ChoiceField(
        choices=RequestState.choices,
        help_text="pending, then succeeded or failed; unknown while we ask the operator again"
        " (a withdrawal's money stays held until it is known).",
    )
    reason = serializers.CharField(
        help_text="Why it failed or is unknown, e.g. cancelled or operator_error; else empty."
    )
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    transaction = serializers.CharField(
        source="transaction.reference",
        allow_null=True,
        help_text="The reference code of the posting once it succeeded, else null.",
    )
