"""Transactions: merchant payments (a mandate debit at once, or a request to pay answered
later), disbursements and transfers from the partner's business account, reading the
partner's own transactions, and reversing its own payments.

`transfer` is defined here as a payment from the partner's business account to a customer's
wallet, like a disbursement but under its own scope and type (a one-off payment such as a
refund-by-transfer or a prize, where `disbursement` is a salary or payout, also in batches).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from gsma import errors, render, schema
from gsma.models import RequestKind, RequestState
from gsma.serializers import (
    ReversalRequestSerializer,
    TransactionRequestSerializer,
    msisdn,
    party_value,
)
from gsma.views.base import PartnerView
from merchants import services as merchant_services
from merchants.models import Merchant, PaymentPoint, Scope
from wallets import errors as ledger_errors
from wallets import services as wallet_services
from wallets.models import Customer, Posting, Transaction


def parsed(request: Request, merchant: Merchant) -> tuple[dict[str, Any], int]:
    form = TransactionRequestSerializer(data=request.data)
    form.is_valid(raise_exception=True)
    data = form.validated_data
    if data["currency"] != merchant.currency:
        raise ledger_errors.CurrencyMismatch(f"This partner transacts in {merchant.currency}.")
    return data, render.parse_amount(data["amount"], data["currency"])


def metadata(data: dict[str, Any], kind: str) -> dict[str, Any]:
    extra: dict[str, Any] = {"gsma_type": kind}
    if reference := data.get("requestingOrganisationTransactionReference"):
        extra["client_reference"] = reference
    if text := data.get("descriptionText"):
        extra["description"] = text
    return extra


def own_transaction(merchant: Merchant, reference: str) -> Transaction:
    """A transaction the partner's account took part in; 404 for any other."""
    mine = Posting.objects.filter(transaction=OuterRef("pk")).filter(
        Q(debit_account_id=merchant.account_id) | Q(credit_account_id=merchant.account_id)
    )
    found = (
        Transaction.objects.prefetch_related(render.with_parties())
        .select_related("reverses")
        .filter(Exists(mine), reference=reference.strip().upper()[:10])
        .first()
    )
    if found is None:
        raise errors.not_found("No transaction of this partner has that reference.")
    return found


def check_credit_party(merchant: Merchant, credit_party: list[dict[str, str]] | None) -> None:
    """A creditParty naming a till or pay-bill must name one of the partner's own."""
    named = party_value(credit_party, "till", "paybill", "businessid", "organisationid")
    if named is None:
        return
    key, value = named
    if key == "organisationid":
        mine = value == str(merchant.pk)
    else:
        mine = PaymentPoint.objects.filter(merchant=merchant, number=value).exists()
    if not mine:
        raise errors.forbidden("The creditParty is not this partner's account.")


class MerchantPayView(PartnerView):
    required_scope = Scope.MERCHANT_PAY

    @schema.merchantpay
    def post(self, request: Request) -> Response:
        merchant = self.partner
        data, amount = parsed(request, merchant)
        check_credit_party(merchant, data.get("creditParty"))
        mandate = party_value(data.get("debitParty"), "mandatereference")
        if mandate is not None:
            return self.debit(merchant, mandate[1], amount, data)
        phone = party_value(data.get("debitParty"), "msisdn")
        if phone is None:
            raise errors.validation(
                "debitParty needs an msisdn or a mandatereference.", "mandatoryValueNotSupplied"
            )
        customer = Customer.objects.filter(phone=msisdn(phone[1])).first()
        if customer is None:
            raise ledger_errors.UnknownCustomer()
        asked = merchant_services.request_to_pay(
            merchant=merchant,
            payer=customer,
            amount=amount,
            idempotency_key=self.ledger_key(),
            note=data.get("descriptionText", ""),
        )
        state, _ = RequestState.objects.get_or_create(
            payment_request=asked,
            defaults={
                "merchant": merchant,
                "kind": RequestKind.MERCHANT_PAY,
                "client_correlation_id": self.exchange.correlation_id if self.exchange else None,
                "callback_url": self.callback_url(),
                "expires_at": asked.expires_at,
            },
        )
        self.link = f"/requeststates/{state.server_correlation_id}"
        return Response(render.request_state_object(state), status.HTTP_202_ACCEPTED)

    def debit(self, merchant: Merchant, reference: str, amount: int, data: dict) -> Response:
        phone = party_value(data.get("debitParty"), "msisdn")
        if phone is not None:
            owner = merchant.mandates.filter(reference=reference.upper()).values_list(
                "customer__phone", flat=True
            )
            if owner.first() not in (None, msisdn(phone[1])):
                raise errors.validation(
                    "The msisdn is not the mandate's customer.", "identifierError"
                )
        paid = merchant_services.debit(
            merchant=merchant,
            mandate_reference=reference,
            amount=amount,
            idempotency_key=self.ledger_key(),
            channel="api",
            initiator=self.initiator(),
        )
        return self.created(merchant, paid)

    def created(self, merchant: Merchant, posted: Transaction) -> Response:
        self.link = f"/transactions/{posted.reference}"
        shown = own_transaction(merchant, posted.reference)
        return Response(render.transaction_object(shown, merchant), status.HTTP_201_CREATED)


class DisbursementView(MerchantPayView):
    required_scope = Scope.DISBURSEMENT
    kind = "disbursement"

    @schema.disbursement
    def post(self, request: Request) -> Response:
        merchant = self.partner
        data, amount = parsed(request, merchant)
        phone = party_value(data.get("creditParty"), "msisdn")
        if phone is None:
            raise errors.validation("creditParty needs an msisdn.", "mandatoryValueNotSupplied")
        wallet = wallet_services.customer_wallet(msisdn(phone[1]), merchant.currency)
        paid = merchant_services.disburse(
            merchant=merchant,
            recipient=wallet,
            amount=amount,
            idempotency_key=self.ledger_key(),
            channel="api",
            initiator=self.initiator(),
            metadata=metadata(data, self.kind),
        )
        return self.created(merchant, paid)


class TransferView(DisbursementView):
    required_scope = Scope.TRANSFER
    kind = "transfer"

    @schema.transfer
    def post(self, request: Request) -> Response:
        return super().post(request)


class TransactionView(PartnerView):
    @schema.transaction
    def get(self, request: Request, reference: str) -> Response:
        found = own_transaction(self.partner, reference)
        return Response(render.transaction_object(found, self.partner))


class ReversalView(MerchantPayView):
    required_scope = Scope.REVERSAL

    @schema.reversal
    def post(self, request: Request, reference: str) -> Response:
        form = ReversalRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        merchant = self.partner
        payment = own_transaction(merchant, reference)
        reversal = merchant_services.refund(
            merchant=merchant,
            payment=payment,
            reason=form.validated_data.get("descriptionText") or "Reversed by the partner",
            initiator=self.initiator(),
        )
        return self.created(merchant, reversal)
