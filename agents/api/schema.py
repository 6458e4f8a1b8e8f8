"""OpenAPI descriptions of the agent API (drf-spectacular)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from agents.api.serializers import (
    AmountRequestSerializer,
    CashCountRequestSerializer,
    CashCountSerializer,
    CashInRequestSerializer,
    CodeCashOutRequestSerializer,
    CustomerSerializer,
    FloatTopUpRequestSerializer,
    FloatTopUpSerializer,
    PostedSerializer,
    ProfileSerializer,
    QuoteRequestSerializer,
    QuoteSerializer,
    RegistrationRequestSerializer,
    StatementQuerySerializer,
)
from wallets.api.serializers import ErrorSerializer, StatementLineSerializer

TAGS = ["agent"]


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


UNAUTHENTICATED = error("No valid `Authorization: Device <token>` header.")
INVALID = error("The request is malformed (invalid_request, invalid_idempotency_key...).")
PIN = error("Wrong PIN (with `attempts_left`), PIN locked, or not the store owner.")
REFUSED = error("A business rule refuses it: limits, float, an inactive agent or customer...")
CONFLICT = error("The Idempotency-Key was used for a different request.")
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="New for each operation; a retry with the same key and body replays it.",
)


def money_operation(summary: str, description: str, request: type) -> Any:
    return extend_schema(
        tags=TAGS,
        summary=summary,
        description=description,
        request=request,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: PostedSerializer,
            400: INVALID,
            401: UNAUTHENTICATED,
            403: PIN,
            409: CONFLICT,
            422: REFUSED,
        },
    )


profile = extend_schema(
    tags=TAGS,
    summary="Who is calling: assistant, store, agent, float and commission",
    responses={200: ProfileSerializer, 401: UNAUTHENTICATED},
)
quote = extend_schema(
    tags=TAGS,
    summary="Quote a cash-in or cash-out: the customer's name, the fee and the commission",
    description="Every refusal the operation would meet, before the PIN; nothing moves.",
    request=QuoteRequestSerializer,
    responses={200: QuoteSerializer, 400: INVALID, 401: UNAUTHENTICATED, 422: REFUSED},
)
cash_in = money_operation(
    "Cash in: the agent's float to the depositor's own wallet",
    "The depositor's ID number must be the wallet holder's (no direct deposits).",
    CashInRequestSerializer,
)
code_cash_out = money_operation(
    "Cash out with the customer's one-time withdrawal code",
    "For a customer without their phone: the code they generated in the menu, used once.",
    CodeCashOutRequestSerializer,
)
float_operation = money_operation(
    "Move float (store owners)",
    "Buy float from the aggregator, return float to it, or move commission into float.",
    AmountRequestSerializer,
)
float_top_up = extend_schema(
    tags=TAGS,
    summary="Buy float from the agent's own M-Pesa or MoMo (store owners)",
    description="Asks the operator to collect `amount` from the agent's registered phone, once"
    " per `Idempotency-Key`, authorised by the owner's PIN; the owner then approves the payment"
    " at the operator's own PIN prompt on that phone. Answered 202 at once: the float is"
    " credited when the operator confirms (poll the Location), and the agent gets an SMS either"
    " way. A retry with the same key and body returns the same request with"
    " `Idempotent-Replayed: true`, without checking the PIN again.",
    request=FloatTopUpRequestSerializer,
    parameters=[
        IDEMPOTENCY_KEY,
        OpenApiParameter(
            "Idempotent-Replayed",
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            response=[202],
            enum=["true"],
            description="Present when the answer is the replay of an earlier request.",
        ),
        OpenApiParameter(
            "Location",
            OpenApiTypes.URI,
            OpenApiParameter.HEADER,
            response=[202],
            description="Where to ask for its state: /api/v1/agent/float/top-ups/<reference>.",
        ),
    ],
    responses={
        202: FloatTopUpSerializer,
        400: error(
            "Malformed body, missing Idempotency-Key, or an amount the operator cannot move"
            " (M-Pesa: whole shillings)."
        ),
        401: UNAUTHENTICATED,
        403: PIN,
        409: CONFLICT,
        422: error(
            "Refused: unknown_operator, an operator not available now, an inactive agent, or a"
            " currency the operator does not move."
        ),
    },
)
float_top_up_state = extend_schema(
    tags=TAGS,
    summary="A float purchase from M-Pesa or MoMo: where it stands",
    parameters=[
        OpenApiParameter(
            "reference",
            OpenApiTypes.UUID,
            OpenApiParameter.PATH,
            description="The purchase's reference, from the answer that started it.",
        )
    ],
    responses={
        200: FloatTopUpSerializer,
        401: UNAUTHENTICATED,
        404: error("None of this agent's float purchases has that reference."),
    },
)
registration = extend_schema(
    tags=TAGS,
    summary="Register a customer (they set their PIN on their first dial)",
    request=RegistrationRequestSerializer,
    parameters=[IDEMPOTENCY_KEY],
    responses={
        201: CustomerSerializer,
        200: CustomerSerializer,
        400: INVALID,
        401: UNAUTHENTICATED,
        403: PIN,
        422: REFUSED,
    },
)
cash_count = extend_schema(
    tags=TAGS,
    summary="Record the end-of-day cash count of the assistant's store",
    request=CashCountRequestSerializer,
    parameters=[IDEMPOTENCY_KEY],
    responses={201: CashCountSerializer, 400: INVALID, 401: UNAUTHENTICATED, 403: PIN},
)
statement = extend_schema(
    tags=TAGS,
    summary="The agent's float statement, newest first",
    parameters=[StatementQuerySerializer],
    responses={200: StatementLineSerializer(many=True), 401: UNAUTHENTICATED},
)
