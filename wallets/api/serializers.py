"""Request parsing and response shapes of the API v1. No business rules live here.

Amounts are integers of minor units with a `currency`. Phone numbers are accepted in any
local or international format and answered in E.164. Input serializers parse; output
serializers render model rows, `StatementLine`s and the `Transfer` receipt. The PIN is
write-only and its error messages never repeat what was sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from wallets.errors import InvalidPhoneNumber
from wallets.models import Account, Transaction
from wallets.phones import normalize_phone

# Far above any tier limit and far below bigint overflow in sums of amounts and fees.
MAX_AMOUNT = 10**15
PIN_PATTERN = re.compile(r"[0-9]{4}")
CURRENCY_PATTERN = r"^[A-Z]{3}$"


class PhoneField(serializers.CharField):
    """A phone number in any format the customer types, normalised to E.164."""

    default_error_messages = {
        "invalid_phone_number": "Enter a valid phone number, e.g. +254712345678 or 0712345678."
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=32, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        try:
            return normalize_phone(text)
        except InvalidPhoneNumber:
            # The message does not repeat the input: a PIN typed in the wrong field stays unsaid.
            self.fail("invalid_phone_number")


def currency_field(**kwargs: Any) -> serializers.RegexField:
    return serializers.RegexField(
        CURRENCY_PATTERN,
        error_messages={"invalid": "Use an ISO 4217 code in capitals, e.g. KES."},
        **kwargs,
    )


class PinField(serializers.CharField):
    """A customer's 4-digit PIN: write-only, never trimmed, never repeated in an error."""

    default_error_messages = {"invalid_pin": "A PIN is exactly 4 digits."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            write_only=True, trim_whitespace=False, style={"input_type": "password"}, **kwargs
        )

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        if not PIN_PATTERN.fullmatch(text):
            self.fail("invalid_pin")
        return text


class TransferRequestSerializer(serializers.Serializer):
    sender = PhoneField(help_text="The paying customer's phone number.")
    recipient = PhoneField(help_text="The receiving customer's phone number.")
    amount = serializers.IntegerField(
        min_value=1, max_value=MAX_AMOUNT, help_text="Minor units (cents for KES), without fee."
    )
    currency = currency_field(default=settings.DEFAULT_CURRENCY)
    pin = serializers.CharField(
        write_only=True,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="The sender's 4-digit PIN. Never logged, stored or echoed.",
    )

    def validate_pin(self, value: str) -> str:
        if not PIN_PATTERN.fullmatch(value):
            raise serializers.ValidationError("A PIN is exactly 4 digits.", code="invalid_pin")
        return value


class WalletQuerySerializer(serializers.Serializer):
    currency = currency_field(default=settings.DEFAULT_CURRENCY, required=False)


class StatementQuerySerializer(WalletQuerySerializer):
    limit = serializers.IntegerField(min_value=1, max_value=100, default=10, required=False)


@dataclass(frozen=True)
class Transfer:
    """A send-money transaction with the two phone numbers it was requested with."""

    transaction: Transaction
    sender: str
    recipient: str


class TransferSerializer(serializers.Serializer):
    reference = serializers.CharField(source="transaction.reference")
    kind = serializers.CharField(source="transaction.kind")
    status = serializers.CharField(source="transaction.status")
    amount = serializers.IntegerField(source="transaction.amount")
    fee = serializers.IntegerField(source="transaction.fee")
    currency = serializers.CharField(source="transaction.currency")
    sender = serializers.CharField()
    recipient = serializers.CharField()
    created_at = serializers.DateTimeField(source="transaction.created_at")


class BalanceSerializer(serializers.Serializer):
    phone = serializers.CharField(source="customer.phone")
    name = serializers.CharField(source="customer.name")
    currency = serializers.CharField()
    balance = serializers.IntegerField()
    held = serializers.IntegerField()
    available = serializers.IntegerField()


class StatementLineSerializer(serializers.Serializer):
    reference = serializers.CharField()
    kind = serializers.CharField()
    created_at = serializers.DateTimeField()
    amount = serializers.IntegerField(help_text="Positive in, negative out; minor units.")
    balance_after = serializers.IntegerField()
    counterparty = serializers.CharField(help_text="A phone number or a house account code.")


@extend_schema_field(OpenApiTypes.STR)
class AccountLabelField(serializers.Field):
    """An account as a person reads it: the customer's phone, or the house account's code."""

    def to_representation(self, value: Account) -> str:
        if value.code:
            return value.code
        if value.customer is not None:
            return value.customer.phone
        return f"account:{value.pk}"


class PostingSerializer(serializers.Serializer):
    debit = AccountLabelField(source="debit_account")
    credit = AccountLabelField(source="credit_account")
    amount = serializers.IntegerField()


class TransactionSerializer(serializers.Serializer):
    reference = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    channel = serializers.CharField()
    amount = serializers.IntegerField(help_text="The principal, without the fee.")
    fee = serializers.IntegerField()
    currency = serializers.CharField()
    created_at = serializers.DateTimeField()
    postings = PostingSerializer(many=True)


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "error"])
    database = serializers.ChoiceField(choices=["ok", "unavailable"])


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable name, e.g. wrong_pin.")
    message = serializers.CharField(help_text="A sentence a person can read.")
    attempts_left = serializers.IntegerField(required=False, help_text="After a wrong PIN.")
    field_errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Per-field messages of an invalid_request.",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()
