"""Request bodies of the partner API (parsing only) and the response shapes, for the
OpenAPI document. Field names and limits are the GSMA Mobile Money API v1.2's."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from wallets.errors import InvalidPhoneNumber
from wallets.phones import normalize_phone

AMOUNT_PATTERN = r"^([0]|([1-9][0-9]{0,17}))([.][0-9]{0,3}[0-9])?$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
UUID_PATTERN = r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"


def amount_field(**kwargs: Any) -> serializers.RegexField:
    return serializers.RegexField(
        AMOUNT_PATTERN,
        max_length=23,
        error_messages={"invalid": "A decimal string such as '15.23'."},
        **kwargs,
    )


def currency_field(**kwargs: Any) -> serializers.RegexField:
    return serializers.RegexField(
        CURRENCY_PATTERN, error_messages={"invalid": "An ISO 4217 code, e.g. KES."}, **kwargs
    )


class PartySerializer(serializers.Serializer):
    key = serializers.CharField(max_length=256, help_text="msisdn, mandatereference, till...")
    value = serializers.CharField(max_length=256)


class KeyValueSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=256)
    value = serializers.CharField(max_length=256)


class BoundedList(serializers.ListSerializer):
    """A list of objects with min_length/max_length, which the OpenAPI document states as
    minItems/maxItems (`gsma.schema.BoundedListSchema`; drf-spectacular drops them)."""


def parties(**kwargs: Any) -> BoundedList:
    return BoundedList(child=PartySerializer(), min_length=1, max_length=10, **kwargs)


def custom_data(**kwargs: Any) -> BoundedList:
    return BoundedList(child=KeyValueSerializer(), required=False, max_length=20, **kwargs)


class TransactionRequestSerializer(serializers.Serializer):
    amount = amount_field()
    currency = currency_field()
    debitParty = parties(required=False)  # noqa: N815 (GSMA's field names)
    creditParty = parties(required=False)  # noqa: N815
    type = serializers.CharField(max_length=32, required=False)
    subType = serializers.CharField(max_length=256, required=False)  # noqa: N815
    descriptionText = serializers.CharField(  # noqa: N815
        max_length=160, required=False, allow_blank=True
    )
    requestingOrganisationTransactionReference = serializers.CharField(  # noqa: N815
        max_length=256, required=False, allow_blank=True
    )
    requestDate = serializers.DateTimeField(required=False)  # noqa: N815
    customData = custom_data()  # noqa: N815


class ReversalRequestSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["reversal", "adjustment"])
    descriptionText = serializers.CharField(  # noqa: N815
        max_length=160, required=False, allow_blank=True
    )
    requestingOrganisationTransactionReference = serializers.CharField(  # noqa: N815
        max_length=256, required=False, allow_blank=True
    )
    amount = amount_field(required=False)
    currency = currency_field(required=False)


class QuotationRequestSerializer(serializers.Serializer):
    requestAmount = amount_field()  # noqa: N815
    requestCurrency = currency_field()  # noqa: N815
    type = serializers.ChoiceField(
        choices=["merchantpay", "disbursement", "transfer"], default="merchantpay"
    )
    debitParty = parties()  # noqa: N815
    creditParty = parties()  # noqa: N815
    subType = serializers.CharField(max_length=256, required=False)  # noqa: N815
    customData = custom_data()  # noqa: N815


class DebitMandateRequestSerializer(serializers.Serializer):
    startDate = serializers.DateField()  # noqa: N815
    endDate = serializers.DateField(required=False)  # noqa: N815
    amountLimit = amount_field(help_text="The cap per payment.")  # noqa: N815
    currency = currency_field(required=False)
    payee = parties(required=False)
    mandateStatus = serializers.ChoiceField(  # noqa: N815
        choices=["active", "inactive"], required=False
    )
    frequencyType = serializers.CharField(max_length=32, required=False)  # noqa: N815
    numberOfPayments = serializers.IntegerField(min_value=0, required=False)  # noqa: N815
    requestDate = serializers.DateTimeField(required=False)  # noqa: N815
    customData = custom_data(  # noqa: N815
        help_text="`dailyAmountLimit`: the cap per day (default: amountLimit).",
    )


class PatchOperationSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=["replace", "add"])
    path = serializers.CharField(max_length=256)
    value = serializers.CharField(max_length=256)


class BatchRequestSerializer(serializers.Serializer):
    """Top level only: the lines are parsed one by one (a bad line is rejected, not the batch)."""

    transactions = serializers.ListField(
        child=serializers.DictField(), min_length=1, max_length=10_000
    )
    batchTitle = serializers.CharField(  # noqa: N815
        max_length=256, required=False, allow_blank=True
    )
    batchdescription = serializers.CharField(max_length=256, required=False, allow_blank=True)
    customData = custom_data()  # noqa: N815


class PaginationSerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=100, default=50, required=False)
    # Bounded so that OFFSET stays a bigint: a larger one is past the end of any list anyway.
    offset = serializers.IntegerField(min_value=0, max_value=10**9, default=0, required=False)


def msisdn(text: str) -> str:
    """A phone number from a party or the path, in E.164."""
    try:
        return normalize_phone(text)
    except InvalidPhoneNumber:
        from gsma.errors import validation

        raise validation("That is not a valid MSISDN.", "identifierError") from None


def party_value(party: list[dict[str, str]] | None, *keys: str) -> tuple[str, str] | None:
    """The first (key, value) of `party` whose key is one of `keys` (case-insensitive)."""
    for item in party or []:
        if item["key"].strip().lower() in keys:
            return item["key"].strip().lower(), item["value"].strip()
    return None
