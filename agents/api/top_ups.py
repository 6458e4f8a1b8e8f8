"""Float bought from the agent's own M-Pesa or MoMo, for agent apps (`float/top-ups`).

As the agent menu does it (4 -> 6): the owner's PIN authorises asking the operator, who then
collects from the agent's registered phone at its own PIN prompt. The operator answers later,
so a start is answered 202 Accepted with the request and a Location to poll. As for every
agent write, a known `Idempotency-Key` is answered before the PIN is checked: the same request
(`Idempotent-Replayed: true`) or, for another operator or amount, a 409. A request is shown
only to the devices of the agent whose float it credits (404 for any other).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from agents import services
from agents.api import schema
from agents.api.serializers import FloatTopUpRequestSerializer, FloatTopUpSerializer
from agents.api.views import AgentView, device_key, valid
from agents.services.floats import operator_replay
from operators.api.errors import UnknownOperator
from operators.api.views import request_by_reference
from operators.models import Operator
from wallets.models import Channel
from wallets.services import verify_pin


@method_decorator(sensitive_post_parameters("pin"), name="dispatch")
class FloatTopUpView(AgentView):
    """Buy float from the agent's own M-Pesa or MoMo (owners). The operator answers later:
    202 with the request, and a Location to poll. A known key replays without a PIN check."""

    @schema.float_top_up
    @sensitive_variables()
    def post(self, request: Request) -> Response:
        key = device_key(request)
        data = valid(FloatTopUpRequestSerializer, request)
        assistant = self.assistant(request)
        operator = Operator.objects.filter(code=data["operator"].lower()).first()
        if operator is None:
            raise UnknownOperator()
        headers = {}
        if (done := operator_replay(key, assistant, operator, data["amount"])) is not None:
            headers["Idempotent-Replayed"] = "true"
        else:
            verify_pin(assistant, data["pin"])
            done = services.buy_float_from_operator(
                assistant=assistant,
                operator=operator,
                amount=data["amount"],
                idempotency_key=key,
                channel=Channel.AGENT,
            )
        headers["Location"] = request.build_absolute_uri(
            reverse("agent-api-float-top-up", kwargs={"reference": str(done.reference)})
        )
        return Response(FloatTopUpSerializer(done).data, status.HTTP_202_ACCEPTED, headers=headers)


class FloatTopUpStateView(AgentView):
    """A float purchase, for the devices of the agent it credits (404 for anyone else's)."""

    @schema.float_top_up_state
    def get(self, request: Request, reference: str) -> Response:
        agent = self.assistant(request).store.agent
        found = request_by_reference(reference, wallet_id=agent.float_account_id)
        return Response(FloatTopUpSerializer(found).data)
