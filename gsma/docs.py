"""Response shapes of the partner API, for the OpenAPI document only (views render dicts
with `gsma.render`)."""

from __future__ import annotations

from rest_framework import serializers

from gsma.serializers import (
    AMOUNT_PATTERN,
    BoundedList,
    KeyValueSerializer,
    PartySerializer,
    TransactionRequestSerializer,
)


class ErrorObjectSerializer(serializers.Serializer):
    errorCategory = serializers.ChoiceField(  # noqa: N815
        choices=[
            "businessRule",
            "validation",
            "authorisation",
            "identification",
            "internal",
            "serviceUnavailable",
        ]
    )
    errorCode = serializers.CharField()  # noqa: N815
    errorDescription = serializers.CharField(max_length=256)  # noqa: N815
    errorDateTime = serializers.DateTimeField()  # noqa: N815
    errorParameters = KeyValueSerializer(many=True)  # noqa: N815


class FeeSerializer(serializers.Serializer):
    feeType = serializers.CharField()  # noqa: N815
    feeAmount = serializers.RegexField(AMOUNT_PATTERN)  # noqa: N815
    feeCurrency = serializers.CharField()  # noqa: N815


class TransactionObjectSerializer(serializers.Serializer):
    transactionReference = serializers.CharField()  # noqa: N815
    type = serializers.ChoiceField(
        choices=[
            "merchantpay",
            "disbursement",
            "transfer",
            "reversal",
            "adjustment",
            "deposit",
            "withdrawal",
            "billpay",
        ]
    )
    transactionStatus = serializers.CharField()  # noqa: N815
    amount = serializers.RegexField(AMOUNT_PATTERN)
    currency = serializers.CharField()
    debitParty = PartySerializer(many=True)  # noqa: N815
    creditParty = PartySerializer(many=True)  # noqa: N815
    fees = FeeSerializer(many=True, required=False)
    creationDate = serializers.DateTimeField()  # noqa: N815
    modificationDate = serializers.DateTimeField()  # noqa: N815
    transactionReceipt = serializers.CharField()  # noqa: N815
    requestingOrganisationTransactionReference = serializers.CharField(  # noqa: N815
        required=False
    )
    descriptionText = serializers.CharField(required=False)  # noqa: N815
    originalTransactionReference = serializers.CharField(required=False)  # noqa: N815
    customData = KeyValueSerializer(many=True, required=False)  # noqa: N815


class RequestStateSerializer(serializers.Serializer):
    serverCorrelationId = serializers.UUIDField()  # noqa: N815
    status = serializers.ChoiceField(choices=["pending", "completed", "failed"])
    notificationMethod = serializers.ChoiceField(choices=["callback", "polling"])  # noqa: N815
    objectReference = serializers.CharField(required=False)  # noqa: N815
    pendingReason = serializers.CharField(required=False)  # noqa: N815
    expiryTime = serializers.DateTimeField(required=False)  # noqa: N815
    pollLimit = serializers.IntegerField(min_value=1)  # noqa: N815
    error = ErrorObjectSerializer(required=False)


class HeartbeatSerializer(serializers.Serializer):
    serviceStatus = serializers.ChoiceField(  # noqa: N815
        choices=["available", "unavailable", "degraded"]
    )


class ResponseLinkSerializer(serializers.Serializer):
    link = serializers.CharField()
    httpStatus = serializers.IntegerField()  # noqa: N815


class NameSerializer(serializers.Serializer):
    fullName = serializers.CharField()  # noqa: N815
    firstName = serializers.CharField(required=False)  # noqa: N815
    lastName = serializers.CharField(required=False)  # noqa: N815


class AccountNameSerializer(serializers.Serializer):
    name = NameSerializer()


class AccountBalanceSerializer(serializers.Serializer):
    accountStatus = serializers.ChoiceField(choices=["available", "unavailable"])  # noqa: N815
    currentBalance = serializers.RegexField(AMOUNT_PATTERN)  # noqa: N815
    availableBalance = serializers.RegexField(AMOUNT_PATTERN)  # noqa: N815
    reservedBalance = serializers.RegexField(AMOUNT_PATTERN)  # noqa: N815
    unClearedBalance = serializers.RegexField(AMOUNT_PATTERN)  # noqa: N815
    currency = serializers.CharField()


class QuoteObjectSerializer(serializers.Serializer):
    quoteId = serializers.CharField()  # noqa: N815
    sendingAmount = serializers.RegexField(AMOUNT_PATTERN)  # noqa: N815
    sendingCurrency = serializers.CharField()  # noqa: N815
    receivingAmount = serializers.RegexField(AMOUNT_PATTERN)  # noqa: N815
    receivingCurrency = serializers.CharField()  # noqa: N815
    fees = FeeSerializer(many=True)
    quoteExpiryTime = serializers.DateTimeField()  # noqa: N815


class QuotationSerializer(serializers.Serializer):
    quotationReference = serializers.CharField()  # noqa: N815
    quotationStatus = serializers.CharField()  # noqa: N815
    type = serializers.CharField()
    requestAmount = serializers.RegexField(AMOUNT_PATTERN)  # noqa: N815
    requestCurrency = serializers.CharField()  # noqa: N815
    debitParty = PartySerializer(many=True)  # noqa: N815
    creditParty = PartySerializer(many=True)  # noqa: N815
    quotes = QuoteObjectSerializer(many=True)
    creationDate = serializers.DateTimeField()  # noqa: N815


class DebitMandateSerializer(serializers.Serializer):
    mandateReference = serializers.CharField()  # noqa: N815
    payee = PartySerializer(many=True)
    mandateStatus = serializers.ChoiceField(choices=["active", "inactive"])  # noqa: N815
    startDate = serializers.DateField()  # noqa: N815
    endDate = serializers.DateField()  # noqa: N815
    amountLimit = serializers.RegexField(AMOUNT_PATTERN)  # noqa: N815
    currency = serializers.CharField()
    creationDate = serializers.DateTimeField()  # noqa: N815
    modificationDate = serializers.DateTimeField()  # noqa: N815
    customData = KeyValueSerializer(many=True)  # noqa: N815


class BatchSerializer(serializers.Serializer):
    batchId = serializers.CharField()  # noqa: N815
    batchStatus = serializers.ChoiceField(choices=["created", "approved", "completed"])  # noqa: N815
    approvalDate = serializers.DateTimeField()  # noqa: N815
    completionDate = serializers.DateTimeField()  # noqa: N815
    batchTitle = serializers.CharField()  # noqa: N815
    batchdescription = serializers.CharField()
    processingFlag = serializers.BooleanField()  # noqa: N815
    completedCount = serializers.IntegerField()  # noqa: N815
    rejectionCount = serializers.IntegerField()  # noqa: N815
    parsingSuccessCount = serializers.IntegerField()  # noqa: N815
    creationDate = serializers.DateTimeField()  # noqa: N815
    modificationDate = serializers.DateTimeField()  # noqa: N815


class CompletionSerializer(serializers.Serializer):
    transactionReference = serializers.CharField()  # noqa: N815
    creditParty = PartySerializer(many=True)  # noqa: N815
    debitParty = PartySerializer(many=True)  # noqa: N815
    completionDate = serializers.DateTimeField()  # noqa: N815
    link = serializers.CharField()
    requestingOrganisationTransactionReference = serializers.CharField(  # noqa: N815
        required=False
    )


class RejectionSerializer(serializers.Serializer):
    creditParty = PartySerializer(many=True)  # noqa: N815
    debitParty = PartySerializer(many=True)  # noqa: N815
    rejectionReason = serializers.CharField()  # noqa: N815
    rejectionDate = serializers.DateTimeField()  # noqa: N815
    requestingOrganisationTransactionReference = serializers.CharField(  # noqa: N815
        required=False
    )
    customData = KeyValueSerializer(many=True, required=False)  # noqa: N815


class BatchRequestDocSerializer(serializers.Serializer):
    transactions = BoundedList(
        child=TransactionRequestSerializer(), min_length=1, max_length=10_000
    )
    batchTitle = serializers.CharField(max_length=256, required=False)  # noqa: N815
    batchdescription = serializers.CharField(max_length=256, required=False)
