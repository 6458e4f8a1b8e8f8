"""OpenAPI descriptions of the API v1 views (drf-spectacular), kept out of the views' way.

Each name is an `extend_schema` decorator for one view method. Every error answer has the
same shape, `ErrorSerializer`; the statuses listed are the ones `wallets.api.errors` maps.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from wallets.api.serializers import (
    BalanceSerializer,
    ErrorSerializer,
    HealthSerializer,
    StatementLineSerializer,
    StatementQuerySerializer,
    TransactionSerializer,
    TransferRequestSerializer,
    TransferSerializer,
    WalletQuerySerializer,
)


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


UNAUTHENTICATED = error("No valid `Authorization: Token <key>` header.")
INVALID = error("The request is malformed (invalid_request, invalid_phone_number...).")

PHONE = OpenApiParameter(
    "phone",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The customer's phone number, e.g. +254712345678 or 0712345678.",
)

transfer = extend_schema(
    summary="Send money from one customer to another",
    description=(
        "Moves `amount` (minor units) plus the send-money fee from the sender to the recipient,"
        " authorised by the sender's PIN, exactly once per `Idempotency-Key`. A retry with the"
        " same key and body returns the first receipt with `Idempotent-Replayed: true`, without"
        " checking the PIN again; the same key with another body is a 409."
    ),
    request=TransferRequestSerializer,
    parameters=[
        OpenApiParameter(
            "Idempotency-Key",
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            required=True,
            description="1 to 200 characters, new for each transfer; reuse it only to retry.",
        ),
        OpenApiParameter(
            "Idempotent-Replayed",
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            response=[201],
            enum=["true"],
            description="Present when the receipt is the replay of an earlier request.",
        ),
    ],
    responses={
        201: TransferSerializer,
        400: error("Malformed body or missing Idempotency-Key."),
        401: UNAUTHENTICATED,
        403: error("Wrong PIN (with attempts_left), PIN locked, or no PIN set."),
        404: error("No wallet for the sender (unknown_sender)."),
        409: error("The Idempotency-Key was used for a different request."),
        422: error(
            "Refused: unknown_recipient, insufficient_funds, a limit, no tariff, an inactive"
            " wallet, the same wallet on both sides or different currencies."
        ),
    },
)

balance = extend_schema(
    summary="A wallet's balance",
    parameters=[PHONE, WalletQuerySerializer],
    responses={
        200: BalanceSerializer,
        400: INVALID,
        401: UNAUTHENTICATED,
        404: error("No wallet for that phone number in that currency."),
    },
)

statement = extend_schema(
    summary="A wallet's last postings, newest first, with the balance after each",
    parameters=[PHONE, StatementQuerySerializer],
    responses={
        200: StatementLineSerializer(many=True),
        400: INVALID,
        401: UNAUTHENTICATED,
        404: error("No wallet for that phone number in that currency."),
    },
)

transaction = extend_schema(
    summary="A transaction with its postings",
    parameters=[
        OpenApiParameter(
            "reference",
            OpenApiTypes.STR,
            OpenApiParameter.PATH,
            description="The 10-character reference code shown on receipts.",
        )
    ],
    responses={
        200: TransactionSerializer,
        401: UNAUTHENTICATED,
        404: error("No transaction has that reference."),
    },
)

health = extend_schema(
    summary="Liveness: the service and its database answer",
    auth=[],
    responses={
        200: HealthSerializer,
        503: OpenApiResponse(HealthSerializer, description="The database does not answer."),
    },
)
