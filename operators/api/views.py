"""Top-ups from and withdrawals to the customer's own M-Pesa or MoMo, for API clients.

The same clients, tokens, error envelope and idempotency as the transfers API
(`wallets.api.views`): validate, call one service, render. The operator answers later, so a
start is answered 202 Accepted with the request and a Location to poll
(`GET /api/v1/operator-requests/<reference>`). A top-up needs no PIN of ours: the customer
approves it on their phone at the operator's own PIN prompt. A withdrawal is authorised by
the customer's wallet PIN, checked as a transfer's is (a wrong try counted and committed).

A start runs in this order: the Idempotency-Key header, the body, the wallet, the operator,
the replay check, the operator's availability, then (withdrawals) the PIN, then the service.
As for transfers, the replay check comes before the PIN: a client retrying after a timeout
gets the request it started (202, `Idempotent-Replayed: true`) without the retry counting as
a PIN try, even if the PIN was locked since, and without a second request to the operator.
A key that started another operator, kind, wallet or amount, or that posted a transfer, is a
409. Two requests racing past the replay check are settled by the service (one request per
key); the answer is checked against the body again, so the loser of a race between two
different bodies gets its 409 too.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from operators import services
from operators.api import schema
from operators.api.errors import OperatorNotAvailable, UnknownOperator, UnknownOperatorRequest
from operators.api.serializers import (
    OperatorRequestSerializer,
    TopUpRequestSerializer,
    WithdrawalRequestSerializer,
)
from operators.models import Operator, OperatorRequest, RequestKind
from wallets import errors
from wallets.api.views import namespaced_key
from wallets.models import Account, AccountKind, Transaction
from wallets.services import customer_wallet, verify_pin

logger = logging.getLogger(__name__)


class TopUpView(APIView):
    @schema.top_up
    def post(self, request: Request) -> Response:
        key = namespaced_key(request.user, request.headers.get("Idempotency-Key", ""))
        data = valid(TopUpRequestSerializer, request)
        wallet = customer_wallet(data["phone"], data["currency"])
        operator = operator_named(data["operator"])
        asked = (operator, RequestKind.COLLECTION, wallet, data["amount"])
        if (done := replay_of(key, *asked)) is not None:
            return accepted(request, done, replayed=True)
        check_available(operator)
        started = services.start_top_up(
            operator=operator, wallet=wallet, amount=data["amount"], idempotency_key=key
        )
        logger.info("top-up %s started for api client %s", started.reference, request.user.pk)
        return accepted(request, same_request(started, *asked), replayed=False)


@method_decorator(sensitive_post_parameters("pin"), name="dispatch")
class WithdrawalView(APIView):
    @schema.withdrawal
    @sensitive_variables()  # the body, hence the PIN, is in every local of this frame
    def post(self, request: Request) -> Response:
        key = namespaced_key(request.user, request.headers.get("Idempotency-Key", ""))
        data = valid(WithdrawalRequestSerializer, request)
        wallet = customer_wallet(data["phone"], data["currency"])
        operator = operator_named(data["operator"])
        asked = (operator, RequestKind.PAYOUT, wallet, data["amount"])
        if (done := replay_of(key, *asked)) is not None:
            return accepted(request, done, replayed=True)
        check_available(operator)
        started = withdraw_with_pin(
            operator=operator,
            wallet=wallet,
            amount=data["amount"],
            pin=data["pin"],
            idempotency_key=key,
        )
        logger.info("withdrawal %s started for api client %s", started.reference, request.user.pk)
        return accepted(request, same_request(started, *asked), replayed=False)


class OperatorRequestView(APIView):
    @schema.operator_request
    def get(self, request: Request, reference: str) -> Response:
        found = request_by_reference(reference, wallet__kind=AccountKind.CUSTOMER_WALLET)
        return Response(OperatorRequestSerializer(found).data)


def request_by_reference(reference: str, **scope: Any) -> OperatorRequest:
    """The operator request of `reference` within `scope`; 404 if malformed or not there."""
    try:
        wanted = uuid.UUID(reference.strip())
    except ValueError:
        raise UnknownOperatorRequest() from None
    found = (
        OperatorRequest.objects.select_related("operator", "transaction")
        .filter(reference=wanted, **scope)
        .first()
    )
    if found is None:
        raise UnknownOperatorRequest()
    return found


@sensitive_variables()  # the form holds the body, PIN included
def valid(serializer: type[Any], request: Request) -> dict[str, Any]:
    form = serializer(data=request.data)
    form.is_valid(raise_exception=True)
    return dict(form.validated_data)


def operator_named(code: str) -> Operator:
    operator = Operator.objects.filter(code=code.lower()).first()
    if operator is None:
        raise UnknownOperator()
    return operator


def check_available(operator: Operator) -> None:
    """Refuse a new request to an operator switched off in the admin (a replay still answers)."""
    if not operator.active:
        raise OperatorNotAvailable(f"{operator.name} is not available now. Please try later.")


def replay_of(
    key: str, operator: Operator, kind: str, wallet: Account, amount: int
) -> OperatorRequest | None:
    """The request already started under `key`; IdempotencyConflict if it was another one."""
    if Transaction.objects.filter(idempotency_key=key).exists():  # the key sent a transfer
        raise errors.IdempotencyConflict()
    found = (
        OperatorRequest.objects.select_related("operator", "transaction")
        .filter(idempotency_key=key)
        .first()
    )
    return None if found is None else same_request(found, operator, kind, wallet, amount)


def same_request(
    found: OperatorRequest, operator: Operator, kind: str, wallet: Account, amount: int
) -> OperatorRequest:
    """`found`, if it is what the body asks for; IdempotencyConflict otherwise."""
    if (found.operator_id, found.kind, found.wallet_id, found.amount) != (
        operator.pk,
        kind,
        wallet.pk,
        amount,
    ):
        raise errors.IdempotencyConflict()
    return found


@sensitive_variables("pin")
def withdraw_with_pin(
    *, operator: Operator, wallet: Account, amount: int, pin: str, idempotency_key: str
) -> OperatorRequest:
    """Check the owner's PIN (a wrong try is counted and committed), then start the payout."""
    if wallet.customer is None:  # only customer wallets are looked up; they have an owner
        raise errors.PinNotSet()
    verify_pin(wallet.customer, pin)
    return services.start_withdrawal(
        operator=operator, wallet=wallet, amount=amount, idempotency_key=idempotency_key
    )


def accepted(request: Request, found: OperatorRequest, *, replayed: bool) -> Response:
    """202 with the request as it stands now, and where to ask for it later."""
    headers = {
        "Location": request.build_absolute_uri(
            reverse("api-operator-request", kwargs={"reference": str(found.reference)})
        )
    }
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(
        OperatorRequestSerializer(found).data, status.HTTP_202_ACCEPTED, headers=headers
    )
