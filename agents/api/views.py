"""The agent API (`/api/v1/agent/...`): the agent menu's operations for smartphone apps.

A device token says which assistant is calling; the assistant's PIN authorises each
operation that moves money or registers a customer. Money operations need an
`Idempotency-Key` header, namespaced per device. As in the transfers API, a retry is answered
before the PIN is checked: if the key already posted, the service replays it (the same
receipt, `Idempotent-Replayed: true`) or refuses a different body (409), and no PIN try is
counted. Errors are rendered by `wallets.api.errors`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents import services
from agents.api import errors as _statuses  # noqa: F401  (registers the statuses)
from agents.api import schema
from agents.api.auth import DeviceTokenAuthentication, IsAgentDevice
from agents.api.serializers import (
    AmountRequestSerializer,
    CashCountRequestSerializer,
    CashCountSerializer,
    CashInRequestSerializer,
    CodeCashOutRequestSerializer,
    CustomerSerializer,
    PostedSerializer,
    ProfileSerializer,
    QuoteRequestSerializer,
    QuoteSerializer,
    RegistrationRequestSerializer,
    StatementQuerySerializer,
)
from agents.models import AgentDevice, Assistant, CashCount
from agents.services.network import acting_assistant
from wallets.api.errors import InvalidIdempotencyKey
from wallets.api.serializers import StatementLineSerializer
from wallets.models import Account, Channel, Customer, Transaction
from wallets.services import customer_wallet, verify_pin

KEY_MAX = 200


class AgentView(APIView):
    authentication_classes = [DeviceTokenAuthentication]
    permission_classes = [IsAgentDevice]

    def assistant(self, request: Request) -> Assistant:
        """The device's assistant, refused unless they, their store, agent and aggregator are
        all active (reads too: a suspended agent sees nothing)."""
        device: AgentDevice = request.auth  # type: ignore[assignment]  # IsAgentDevice
        return acting_assistant(device.assistant)


class ProfileView(AgentView):
    @schema.profile
    def get(self, request: Request) -> Response:
        assistant = self.assistant(request)
        store, agent = assistant.store, assistant.store.agent
        return Response(
            ProfileSerializer(
                {
                    "assistant": assistant.name,
                    "role": assistant.role,
                    "agent_number": agent.agent_number,
                    "agent_name": agent.business_name,
                    "store_number": store.store_number,
                    "store_name": store.name,
                    "float": money(agent.float_account),
                    "commission": money(agent.commission_account),
                }
            ).data
        )


class QuoteView(AgentView):
    @schema.quote
    def post(self, request: Request) -> Response:
        form = QuoteRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        assistant = self.assistant(request)
        if data["operation"] == "cash_in":
            quote = services.quote_cash_in(
                assistant=assistant, phone=data["phone"], amount=data["amount"]
            )
        else:
            wallet = customer_wallet(data["phone"], assistant.store.agent.currency)
            quote = services.quote_cash_out(
                wallet=wallet, store=assistant.store, amount=data["amount"], by_customer=False
            )
        return Response(QuoteSerializer(quote).data)


@method_decorator(sensitive_post_parameters("pin", "code"), name="dispatch")
class CashInView(AgentView):
    @schema.cash_in
    @sensitive_variables()
    def post(self, request: Request) -> Response:
        data = valid(CashInRequestSerializer, request)
        return posted(
            request,
            self.assistant(request),
            data,
            lambda assistant, key: services.cash_in(
                assistant=assistant,
                phone=data["phone"],
                amount=data["amount"],
                id_number=data["id_number"],
                idempotency_key=key,
                channel=Channel.AGENT,
            ),
        )


@method_decorator(sensitive_post_parameters("pin", "code"), name="dispatch")
class CodeCashOutView(AgentView):
    @schema.code_cash_out
    @sensitive_variables()
    def post(self, request: Request) -> Response:
        data = valid(CodeCashOutRequestSerializer, request)
        return posted(
            request,
            self.assistant(request),
            data,
            lambda assistant, key: services.cash_out_with_code(
                assistant=assistant,
                phone=data["phone"],
                amount=data["amount"],
                code=data["code"],
                idempotency_key=key,
                channel=Channel.AGENT,
            ),
        )


FLOAT_OPERATIONS: dict[str, Callable[..., Transaction]] = {
    "buy": services.buy_float,
    "return": services.return_float,
    "commission": services.move_commission,
}


@method_decorator(sensitive_post_parameters("pin"), name="dispatch")
class FloatView(AgentView):
    """Buy float from the aggregator, return it, or move commission into float (owners)."""

    operation = "buy"

    @schema.float_operation
    @sensitive_variables()
    def post(self, request: Request) -> Response:
        data = valid(AmountRequestSerializer, request)
        operation = FLOAT_OPERATIONS[self.operation]
        return posted(
            request,
            self.assistant(request),
            data,
            lambda assistant, key: operation(
                assistant=assistant, amount=data["amount"], idempotency_key=key, channel="agent"
            ),
        )


@method_decorator(sensitive_post_parameters("pin"), name="dispatch")
class RegistrationView(AgentView):
    """Register a customer (a retry of the same registration answers 200 with it)."""

    @schema.registration
    @sensitive_variables()
    def post(self, request: Request) -> Response:
        data = valid(RegistrationRequestSerializer, request)
        assistant = self.assistant(request)
        device_key(request)  # required like every write; the phone number makes it idempotent
        existing = Customer.objects.filter(phone=data["phone"]).first()
        if existing is not None and registered_by(existing, assistant, data):
            return Response(customer_body(existing), status.HTTP_200_OK)
        verify_pin(assistant, data["pin"])
        customer = services.register_customer_at_agent(
            assistant=assistant,
            phone=data["phone"],
            name=data["name"],
            id_type=data["id_type"],
            id_number=data["id_number"],
            date_of_birth=data["date_of_birth"],
        )
        return Response(customer_body(customer), status.HTTP_201_CREATED)


@method_decorator(sensitive_post_parameters("pin"), name="dispatch")
class CashCountView(AgentView):
    @schema.cash_count
    @sensitive_variables()
    def post(self, request: Request) -> Response:
        data = valid(CashCountRequestSerializer, request)
        assistant = self.assistant(request)
        key = device_key(request)
        if not CashCount.objects.filter(idempotency_key=key).exists():  # a retry: no PIN try
            verify_pin(assistant, data["pin"])
        count = services.record_cash_count(
            assistant=assistant, counted=data["counted"], idempotency_key=key
        )
        return Response(CashCountSerializer(count).data, status.HTTP_201_CREATED)


class StatementView(AgentView):
    @schema.statement
    def get(self, request: Request) -> Response:
        query = StatementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        agent = self.assistant(request).store.agent
        lines = services.agent_statement(agent=agent, limit=query.validated_data["limit"])
        return Response(StatementLineSerializer(lines, many=True).data)


def valid(serializer: type[Any], request: Request) -> dict[str, Any]:
    form = serializer(data=request.data)
    form.is_valid(raise_exception=True)
    return dict(form.validated_data)


@sensitive_variables()
def posted(
    request: Request,
    assistant: Assistant,
    data: dict[str, Any],
    operation: Callable[[Assistant, str], Transaction],
) -> Response:
    """Run a money operation once per key: a known key replays without a PIN check."""
    key = device_key(request)
    headers = {}
    if Transaction.objects.filter(idempotency_key=key).exists():
        headers["Idempotent-Replayed"] = "true"
    else:
        verify_pin(assistant, data["pin"])
    done = operation(assistant, key)
    agent = assistant.store.agent
    agent.float_account.refresh_from_db()
    body = {
        "reference": done.reference,
        "kind": done.kind,
        "amount": done.amount,
        "fee": done.fee,
        "currency": done.currency,
        "created_at": done.created_at,
        "float_balance": agent.float_account.balance,
    }
    return Response(PostedSerializer(body).data, status.HTTP_201_CREATED, headers=headers)


def device_key(request: Request) -> str:
    """The ledger key of a device's `Idempotency-Key` header (see `wallets.api.views`)."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > KEY_MAX:
        raise InvalidIdempotencyKey()
    prefix = f"agent:{request.auth.pk}:"
    if len(prefix) + len(key) > KEY_MAX:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return prefix + key


def money(account: Account) -> dict[str, Any]:
    account.refresh_from_db()
    return {
        "balance": account.balance,
        "available": account.available,
        "currency": account.currency,
    }


def registered_by(customer: Customer, assistant: Assistant, data: dict[str, Any]) -> bool:
    """Whether `customer` is this very registration, made by this assistant before."""
    registration = getattr(customer, "agent_registration", None)
    return bool(
        registration is not None
        and registration.assistant_id == assistant.pk
        and customer.id_number.casefold() == data["id_number"].strip().casefold()
    )


def customer_body(customer: Customer) -> dict[str, Any]:
    return dict(
        CustomerSerializer(
            {
                "phone": customer.phone,
                "name": customer.name,
                "kyc_tier": customer.kyc_tier,
            }
        ).data
    )
