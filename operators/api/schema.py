"""OpenAPI descriptions of the operator endpoints (drf-spectacular), kept out of the views' way.

Every error answer has the same shape, `ErrorSerializer`; the statuses listed are the ones
`wallets.api.errors` maps (with `operators.api.errors`).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from operators.api.serializers import (
    OperatorRequestSerializer,
    TopUpRequestSerializer,
    WithdrawalRequestSerializer,
)
from wallets.api.schema import UNAUTHENTICATED, error

TAGS = ["operators"]

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="1 to 200 characters, new for each request; reuse it only to retry.",
)
REPLAYED = OpenApiParameter(
    "Idempotent-Replayed",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[202],
    enum=["true"],
    description="Present when the answer is the replay of an earlier request.",
)
LOCATION = OpenApiParameter(
    "Location",
    OpenApiTypes.URI,
    OpenApiParameter.HEADER,
    response=[202],
    description="Where to ask for the request's state: /api/v1/operator-requests/<reference>.",
)
REFUSED = (
    "Refused: unknown_operator, operator_not_available, a limit (limit_per_transaction,"
    " amount_below_minimum, limit_receiver_balance...), an inactive wallet, or a currency"
    " the operator does not move"
)


def start(summary: str, description: str, request: type, refusals: dict[int, str]) -> Any:
    return extend_schema(
        tags=TAGS,
        summary=summary,
        description=description,
        request=request,
        parameters=[IDEMPOTENCY_KEY, REPLAYED, LOCATION],
        responses={
            202: OperatorRequestSerializer,
            400: error(
                "Malformed body, missing Idempotency-Key, or an amount the operator cannot"
                " move (M-Pesa: whole shillings)."
            ),
            401: UNAUTHENTICATED,
            404: error("No wallet for that phone number in that currency (unknown_customer)."),
            409: error(
                "The Idempotency-Key was used for a different request (another operator, kind,"
                " wallet or amount, or a transfer)."
            ),
            **{code: error(text) for code, text in refusals.items()},
        },
    )


top_up = start(
    "Top up a wallet from the customer's M-Pesa or MoMo",
    "Asks the operator to collect `amount` (minor units) from the customer's phone, once per"
    " `Idempotency-Key`. No PIN of ours: the customer approves it on their phone at the"
    " operator's PIN prompt. Answered 202 at once; the wallet is credited when the operator"
    " confirms (poll the Location). A retry with the same key and body returns the same"
    " request with `Idempotent-Replayed: true` and asks the operator nothing again.",
    TopUpRequestSerializer,
    {422: REFUSED + "."},
)

withdrawal = start(
    "Withdraw from a wallet to the customer's M-Pesa or MoMo",
    "Holds `amount` plus the fee (shown in the answer) on the wallet, authorised by the"
    " customer's PIN, and asks the operator to pay the customer's phone, once per"
    " `Idempotency-Key`. Answered 202 at once: the hold is committed when the operator pays,"
    " released if it fails, and kept while the outcome is unknown. A retry with the same key"
    " and body returns the same request with `Idempotent-Replayed: true`, without checking"
    " the PIN again.",
    WithdrawalRequestSerializer,
    {
        403: "Wrong PIN (with attempts_left), PIN locked, or no PIN set.",
        422: REFUSED + ", insufficient_funds or no_tariff.",
    },
)

operator_request = extend_schema(
    tags=TAGS,
    summary="A top-up or withdrawal: where it stands",
    parameters=[
        OpenApiParameter(
            "reference",
            OpenApiTypes.UUID,
            OpenApiParameter.PATH,
            description="The request's reference, from the answer that started it.",
        )
    ],
    responses={
        200: OperatorRequestSerializer,
        401: UNAUTHENTICATED,
        404: error("No top-up or withdrawal has that reference (or it is malformed)."),
    },
)
