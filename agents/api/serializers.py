"""Request and response shapes of the agent API. Amounts are integers of minor units."""

from __future__ import annotations

from rest_framework import serializers

from operators.models import RequestState
from wallets.api.serializers import MAX_AMOUNT, PhoneField
from wallets.models.customers import IdType


def amount_field(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_AMOUNT, help_text=help_text)


def pin_field() -> serializers.RegexField:
    return serializers.RegexField(
        r"^[0-9]{4}$",
        write_only=True,
        help_text="The assistant's 4-digit PIN.",
        error_messages={"invalid": "A PIN is exactly 4 digits."},
    )


class QuoteRequestSerializer(serializers.Serializer):
    operation = serializers.ChoiceField(choices=["cash_in", "cash_out"])
    phone = PhoneField(help_text="The customer's phone number.")
    amount = amount_field("Minor units, e.g. 50000 for KES 500.")


class QuoteSerializer(serializers.Serializer):
    amount = serializers.IntegerField()
    fee = serializers.IntegerField(help_text="Paid by the customer (cash-out).")
    commission = serializers.IntegerField(help_text="What the agent earns.")
    currency = serializers.CharField()
    customer_name = serializers.CharField()
    agent_name = serializers.CharField()
    store_name = serializers.CharField()


class CashInRequestSerializer(serializers.Serializer):
    phone = PhoneField(help_text="The depositor's phone number: only their own wallet.")
    amount = amount_field("Minor units received in cash.")
    id_number = serializers.CharField(max_length=32, help_text="The depositor's ID number.")
    pin = pin_field()


class CodeCashOutRequestSerializer(serializers.Serializer):
    phone = PhoneField(help_text="The customer's phone number.")
    amount = amount_field("Minor units paid out in cash.")
    code = serializers.RegexField(
        r"^[0-9]{6}$",
        write_only=True,
        help_text="The customer's one-time withdrawal code.",
        error_messages={"invalid": "A withdrawal code is 6 digits."},
    )
    pin = pin_field()


class AmountRequestSerializer(serializers.Serializer):
    amount = amount_field("Minor units.")
    pin = pin_field()


class FloatTopUpRequestSerializer(serializers.Serializer):
    operator = serializers.SlugField(
        max_length=20, help_text='The operator\'s code, e.g. "mpesa" or "momo".'
    )
    amount = amount_field("Minor units. M-Pesa moves whole shillings only.")
    pin = pin_field()


class FloatTopUpSerializer(serializers.Serializer):
    """Float bought from the agent's own M-Pesa or MoMo, as it stands."""

    reference = serializers.UUIDField(help_text="Ours, sent to the operator.")
    operator = serializers.CharField(source="operator.code")
    amount = serializers.IntegerField()
    currency = serializers.CharField()
    phone = serializers.CharField(help_text="The agent's registered phone, asked to pay (E.164).")
    state = serializers.ChoiceField(
        choices=RequestState.choices,
        help_text="pending, then succeeded (the float is credited) or failed (nothing moved);"
        " unknown while we ask the operator again.",
    )
    reason = serializers.CharField(help_text="Why it failed or is unknown, else empty.")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    transaction = serializers.CharField(
        source="transaction.reference",
        allow_null=True,
        help_text="The reference code of the float posting once it succeeded, else null.",
    )


class RegistrationRequestSerializer(serializers.Serializer):
    phone = PhoneField(help_text="The new customer's phone number.")
    name = serializers.CharField(max_length=120)
    id_type = serializers.ChoiceField(choices=IdType.choices, default=IdType.NATIONAL_ID)
    id_number = serializers.CharField(max_length=32)
    date_of_birth = serializers.DateField()
    pin = pin_field()


class CashCountRequestSerializer(serializers.Serializer):
    counted = serializers.IntegerField(min_value=0, max_value=MAX_AMOUNT)
    pin = pin_field()


class PostedSerializer(serializers.Serializer):
    """The receipt of an operation that moved money."""

    reference = serializers.CharField()
    kind = serializers.CharField()
    amount = serializers.IntegerField()
    fee = serializers.IntegerField()
    currency = serializers.CharField()
    created_at = serializers.DateTimeField()
    float_balance = serializers.IntegerField(help_text="The agent's float after it, now.")


class CustomerSerializer(serializers.Serializer):
    phone = serializers.CharField()
    name = serializers.CharField()
    kyc_tier = serializers.CharField()


class CashCountSerializer(serializers.Serializer):
    counted = serializers.IntegerField()
    expected = serializers.IntegerField()
    variance = serializers.IntegerField()
    counted_at = serializers.DateTimeField()


class MoneySerializer(serializers.Serializer):
    balance = serializers.IntegerField()
    available = serializers.IntegerField()
    currency = serializers.CharField()


class ProfileSerializer(serializers.Serializer):
    assistant = serializers.CharField()
    role = serializers.CharField()
    agent_number = serializers.CharField()
    agent_name = serializers.CharField()
    store_number = serializers.CharField()
    store_name = serializers.CharField()
    float = MoneySerializer()
    commission = MoneySerializer()


class StatementQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=100, default=10)
