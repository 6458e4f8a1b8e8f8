"""Heartbeat, request states, stored responses and quotations."""

from __future__ import annotations

import datetime
import logging
import uuid
from typing import Any

from django.db import DatabaseError, connection
from django.db.models import F
from django.utils import timezone
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from gsma import errors, render, schema
from gsma.models import Exchange, RequestState
from gsma.requeststates import settle
from gsma.serializers import QuotationRequestSerializer
from gsma.views.base import PartnerView
from merchants.models import Scope
from wallets.models.rules import TariffKind
from wallets.services import fee_for

logger = logging.getLogger(__name__)
QUOTE_LIFETIME = datetime.timedelta(minutes=15)


class HeartbeatView(PartnerView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def check_throttles(self, request: Request) -> None:
        return None  # monitors call it without credentials

    @schema.heartbeat
    def get(self, request: Request) -> Response:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError:
            logger.warning("gsma heartbeat: the database is unavailable", exc_info=True)
            return Response({"serviceStatus": "unavailable"}, status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response({"serviceStatus": "available"})


class RequestStateView(PartnerView):
    @schema.requeststate
    def get(self, request: Request, server_correlation_id: uuid.UUID) -> Response:
        mine = RequestState.objects.select_related(
            "merchant", "payment_request", "mandate", "batch"
        )
        state = mine.filter(pk=server_correlation_id, merchant=self.partner).first()
        if state is None:
            raise errors.not_found("This partner has no request state with that id.")
        RequestState.objects.filter(pk=state.pk).update(polls=F("polls") + 1)
        if state.polls + 1 > render.POLL_LIMIT:
            raise errors.GsmaError(
                "businessRule", "rateLimitError", "The poll limit of this request is reached.", 429
            )
        return Response(render.request_state_object(settle(state)))


class ResponseView(PartnerView):
    @schema.response
    def get(self, request: Request, client_correlation_id: uuid.UUID) -> Response:
        exchange = Exchange.objects.filter(
            merchant=self.partner, correlation_id=client_correlation_id, status_code__isnull=False
        ).first()
        if exchange is None:
            raise errors.not_found("No processed request of this partner has that X-CorrelationID.")
        return Response(
            {"link": exchange.link or exchange.path, "httpStatus": exchange.status_code}
        )


class QuotationView(PartnerView):
    # Any partner that takes or makes payments may ask what they cost.
    payment_scopes = frozenset({Scope.MERCHANT_PAY, Scope.DISBURSEMENT, Scope.TRANSFER})

    def check_permissions(self, request: Request) -> None:
        super().check_permissions(request)
        if not self.payment_scopes & set(getattr(request.auth, "scopes", [])):
            self.permission_denied(request, message="A payment scope is needed for quotations.")

    @schema.quotation
    def post(self, request: Request) -> Response:
        form = QuotationRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        merchant = self.partner
        currency = data["requestCurrency"]
        if currency != merchant.currency:
            raise errors.validation(
                f"This partner transacts in {merchant.currency}.", "currencyNotSupported"
            )
        amount = render.parse_amount(data["requestAmount"], currency)
        merchantpay = data["type"] == "merchantpay"
        kind = merchant.fee_kind if merchantpay else TariffKind.DISBURSEMENT
        fee = fee_for(kind, currency, amount)
        now = timezone.now()
        quote = {
            "quoteId": str(uuid.uuid4()),
            "sendingAmount": render.amount_text(amount, currency),
            "sendingCurrency": currency,
            # The merchant pays its fee out of a payment; a business pays a disbursement's on top.
            "receivingAmount": render.amount_text(amount, currency),
            "receivingCurrency": currency,
            "fees": [
                {
                    "feeType": "merchantFee" if merchantpay else "disbursementFee",
                    "feeAmount": render.amount_text(fee, currency),
                    "feeCurrency": currency,
                }
            ],
            "quoteExpiryTime": (now + QUOTE_LIFETIME).isoformat(),
        }
        reference = str(uuid.uuid4())
        self.link = f"/quotations/{reference}"
        body = {
            "quotationReference": reference,
            "quotationStatus": "completed",
            "type": data["type"],
            "requestAmount": data["requestAmount"],
            "requestCurrency": currency,
            "debitParty": data["debitParty"],
            "creditParty": data["creditParty"],
            "quotes": [quote],
            "creationDate": now.isoformat(),
        }
        return Response(body, status.HTTP_201_CREATED)
