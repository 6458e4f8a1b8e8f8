"""OpenAPI descriptions of the partner API (drf-spectacular), kept out of the views' way.

Every error is the GSMA error object; each operation lists the statuses it can answer.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from gsma import docs
from gsma.serializers import (
    UUID_PATTERN,
    DebitMandateRequestSerializer,
    PaginationSerializer,
    PatchOperationSerializer,
    QuotationRequestSerializer,
    ReversalRequestSerializer,
    TransactionRequestSerializer,
)


class BoundedListSchema(OpenApiSerializerFieldExtension):
    """A BoundedList's length limits as minItems/maxItems."""

    target_class = "gsma.serializers.BoundedList"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if self.target.min_length is not None:
            schema["minItems"] = self.target.min_length
        if self.target.max_length is not None:
            schema["maxItems"] = self.target.max_length
        return schema


def header(name: str, description: str, required: bool = False, **kwargs: Any) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=required,
        description=description,
        **kwargs,
    )


CORRELATION = header(
    "X-CorrelationID",
    "A UUID, new for each request: a retry with the same id and body returns the stored"
    " response; the same id with another body is a 409 duplicateRequest.",
    required=True,
    pattern=UUID_PATTERN,
)
CALLBACK = OpenApiParameter(
    "X-Callback-URL",
    OpenApiTypes.URI,
    OpenApiParameter.HEADER,
    description="An http(s) URL, up to 500 characters, where the final object (or error object)"
    " is PUT when the request completes or fails.",
)
REPLAYED = header(
    "X-Replayed", "Present (true) on the stored response of a retry.", response=True, enum=["true"]
)
PAGE_HEADERS = [
    OpenApiParameter(
        "X-Records-Available-Count",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[200],
        description="Records available.",
    ),
    OpenApiParameter(
        "X-Records-Returned-Count",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[200],
        description="Records returned.",
    ),
]
MSISDN = OpenApiParameter(
    "phone",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The customer's MSISDN, e.g. +254712345678.",
)


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(docs.ErrorObjectSerializer, description=description)


COMMON = {
    400: error("validation or businessRule error."),
    401: error("Missing, unknown, stale or wrongly signed credentials."),
    403: error("The credential lacks the scope, or the customer's consent is missing."),
    404: error("identification error: the resource or party is unknown."),
    405: error("Method not allowed."),
    429: error("rateLimitError: the credential's requests per minute are used (Retry-After)."),
    500: error("internal error."),
}
WRITE = {
    **COMMON,
    409: error("duplicateRequest: the X-CorrelationID was used differently."),
    415: error("The body must be application/json."),
}


def operation(
    summary: str,
    *,
    tags: list[str],
    responses: dict[int, Any],
    request: Any = None,
    parameters: list[Any] | None = None,
    write: bool = False,
    description: str = "",
) -> Any:
    return extend_schema(
        summary=summary,
        description=description,
        tags=tags,
        request=request,
        parameters=[*([CORRELATION, REPLAYED] if write else []), *(parameters or [])],
        responses={**(WRITE if write else COMMON), **responses},
    )


TX = ["Transactions"]
merchantpay = operation(
    "Take a merchant payment",
    tags=TX,
    request=TransactionRequestSerializer,
    write=True,
    parameters=[CALLBACK],
    description="With a debitParty `mandatereference`: an immediate debit under the customer's"
    " mandate, no PIN (201). With a debitParty `msisdn`: a request to pay the customer approves"
    " with the PIN from the USSD menu or declines (202 request state; the PUT callback carries"
    " the transaction or the error object).",
    responses={201: docs.TransactionObjectSerializer, 202: docs.RequestStateSerializer},
)
disbursement = operation(
    "Pay a customer from the partner's business account",
    tags=TX,
    write=True,
    request=TransactionRequestSerializer,
    responses={201: docs.TransactionObjectSerializer},
    description="creditParty `msisdn`; the partner pays the disbursement fee on top.",
)
transfer = operation(
    "Transfer from the partner's business account to a customer's wallet",
    tags=TX,
    write=True,
    request=TransactionRequestSerializer,
    responses={201: docs.TransactionObjectSerializer},
    description="As a disbursement (creditParty `msisdn`), under the `transfer` scope and type.",
)
transaction = operation(
    "View one of the partner's transactions",
    tags=TX,
    responses={200: docs.TransactionObjectSerializer},
)
reversal = operation(
    "Reverse one of the partner's own payments (refund, fee included)",
    tags=TX,
    write=True,
    request=ReversalRequestSerializer,
    responses={201: docs.TransactionObjectSerializer},
)
ACC = ["Accounts"]
accountname = operation(
    "The account holder's name",
    tags=ACC,
    parameters=[MSISDN],
    responses={200: docs.AccountNameSerializer},
)
balance = operation(
    "The balance of a customer who consented (an active mandate with this partner)",
    tags=ACC,
    parameters=[MSISDN],
    responses={200: docs.AccountBalanceSerializer},
)
statemententries = operation(
    "Statement entries of a customer who consented, newest first",
    tags=ACC,
    parameters=[MSISDN, PaginationSerializer, *PAGE_HEADERS],
    responses={200: docs.TransactionObjectSerializer(many=True)},
)
MAN = ["Debit Mandates"]
create_mandate = operation(
    "Ask a customer for a debit mandate (approved by the customer from USSD)",
    tags=MAN,
    write=True,
    request=DebitMandateRequestSerializer,
    parameters=[MSISDN, CALLBACK],
    responses={202: docs.RequestStateSerializer},
)
read_mandate = operation(
    "View a debit mandate",
    tags=MAN,
    parameters=[MSISDN],
    responses={200: docs.DebitMandateSerializer},
)
update_mandate = operation(
    "Cancel a debit mandate",
    tags=MAN,
    write=True,
    parameters=[MSISDN],
    request=PatchOperationSerializer(many=True),
    description='Body: `[{"op": "replace", "path": "/mandateStatus", "value": "inactive"}]`.',
    responses={204: OpenApiResponse(description="Cancelled.")},
)
SUP = ["Supporting"]
heartbeat = extend_schema(
    summary="Service availability",
    tags=SUP,
    auth=[],
    responses={
        200: docs.HeartbeatSerializer,
        503: OpenApiResponse(docs.HeartbeatSerializer, description="Unavailable."),
        405: error("Method not allowed."),
    },
)
requeststate = operation(
    "View a request state", tags=SUP, responses={200: docs.RequestStateSerializer}
)
response = operation(
    "The response to a processed X-CorrelationID",
    tags=SUP,
    responses={200: docs.ResponseLinkSerializer},
)
quotation = operation(
    "The fees of a payment before it is made",
    tags=["Quotations"],
    write=True,
    request=QuotationRequestSerializer,
    responses={201: docs.QuotationSerializer},
)
BAT = ["Batch Transactions"]
create_batch = operation(
    "Submit up to 10,000 disbursements",
    tags=BAT,
    write=True,
    parameters=[CALLBACK],
    request=docs.BatchRequestDocSerializer,
    responses={202: docs.RequestStateSerializer},
)
read_batch = operation("View a batch", tags=BAT, responses={200: docs.BatchSerializer})
completions = operation(
    "A batch's completed lines",
    tags=BAT,
    parameters=[PaginationSerializer, *PAGE_HEADERS],
    responses={200: docs.CompletionSerializer(many=True)},
)
rejections = operation(
    "A batch's rejected lines, with the reason",
    tags=BAT,
    parameters=[PaginationSerializer, *PAGE_HEADERS],
    responses={200: docs.RejectionSerializer(many=True)},
)
