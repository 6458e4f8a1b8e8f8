"""Debit mandates asked for by a partner: created pending (the customer approves or declines
from the USSD menu, told by SMS through the outbox topic `mandate.requested`), read, and
cancelled with the GSMA PATCH `[{"op": "replace", "path": "/mandateStatus", "value":
"inactive"}]`.

GSMA's `amountLimit` is the cap per payment; the cap per day is `customData`
`dailyAmountLimit` (by default the cap per payment: one full payment a day, or several
smaller ones). Without an `endDate` the mandate runs for a year from `startDate`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from gsma import errors, render, schema
from gsma.models import RequestKind, RequestState
from gsma.serializers import DebitMandateRequestSerializer, PatchOperationSerializer, msisdn
from gsma.views.accounts import customer_of
from gsma.views.base import PartnerView
from merchants import services as merchant_services
from merchants.models import Mandate, Merchant, Scope

DEFAULT_LENGTH = datetime.timedelta(days=365)


class DebitMandatesView(PartnerView):
    required_scope = Scope.MANDATES

    @schema.create_mandate
    def post(self, request: Request, phone: str) -> Response:
        form = DebitMandateRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        merchant = self.partner
        customer = customer_of(phone, merchant)
        if data.get("currency", merchant.currency) != merchant.currency:
            raise errors.validation(
                f"This partner's mandates are in {merchant.currency}.", "currencyNotSupported"
            )
        per_payment = render.parse_amount(data["amountLimit"], merchant.currency)
        mandate = merchant_services.create_mandate(
            customer=customer,
            merchant=merchant,
            max_per_payment=per_payment,
            max_daily=daily_cap(data.get("customData", []), merchant, per_payment),
            ends_on=data.get("endDate") or data["startDate"] + DEFAULT_LENGTH,
            idempotency_key=self.ledger_key(),
            channel="api",
            description=custom(data.get("customData", []), "description") or "",
            approved=False,
        )
        with transaction.atomic():
            state, _ = RequestState.objects.get_or_create(
                mandate=mandate,
                kind=RequestKind.MANDATE,
                defaults={
                    "merchant": merchant,
                    "client_correlation_id": self.exchange.correlation_id
                    if self.exchange
                    else None,
                    "callback_url": self.callback_url(),
                    "object_reference": mandate.reference,
                },
            )
        self.link = f"/requeststates/{state.server_correlation_id}"
        return Response(render.request_state_object(state), status.HTTP_202_ACCEPTED)


class DebitMandateView(PartnerView):
    required_scope = Scope.MANDATES

    @schema.read_mandate
    def get(self, request: Request, phone: str, reference: str) -> Response:
        return Response(render.mandate_object(own_mandate(self.partner, phone, reference)))

    @schema.update_mandate
    def patch(self, request: Request, phone: str, reference: str) -> Response:
        operations = PatchOperationSerializer(data=request.data, many=True)
        operations.is_valid(raise_exception=True)
        wanted = [(op["path"], op["value"]) for op in operations.validated_data]
        if wanted != [("/mandateStatus", "inactive")]:
            raise errors.validation(
                'Only [{"op": "replace", "path": "/mandateStatus", "value": "inactive"}] '
                "(cancel) is supported."
            )
        mandate = own_mandate(self.partner, phone, reference)
        merchant_services.cancel_mandate(mandate=mandate, by="merchant")
        return Response(status=status.HTTP_204_NO_CONTENT)


def own_mandate(merchant: Merchant, phone: str, reference: str) -> Mandate:
    mandate = (
        Mandate.objects.select_related("merchant")
        .filter(
            merchant=merchant,
            customer__phone=msisdn(phone),
            reference=reference.strip().upper()[:10],
        )
        .first()
    )
    if mandate is None:
        raise errors.not_found("This partner has no mandate with that reference for that MSISDN.")
    return mandate


def custom(items: list[dict[str, Any]], key: str) -> str | None:
    return next((item["value"] for item in items if item["key"] == key), None)


def daily_cap(items: list[dict[str, Any]], merchant: Merchant, per_payment: int) -> int:
    text = custom(items, "dailyAmountLimit")
    return per_payment if text is None else render.parse_amount(text, merchant.currency)
