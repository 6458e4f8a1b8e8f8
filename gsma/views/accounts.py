"""Accounts by MSISDN: the holder's name (scope accountname), and the balance and statement
entries (scope accountread and the customer's consent: an active mandate with this partner;
the entries are the transactions between the customer and this partner only).

Consent closes the hole "any API client reads any wallet" for partners: a partner sees the
money of a customer who has agreed to a mandate with it, and of no one else.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from gsma import errors, render, schema
from gsma.serializers import PaginationSerializer, msisdn
from gsma.views.base import PartnerView
from merchants.models import MandateState, Merchant, Scope
from wallets.models import Account, Customer, CustomerStatus, Posting, Transaction
from wallets.services import customer_wallet


def wallet_of(phone: str, merchant: Merchant) -> Account:
    return customer_wallet(msisdn(phone), merchant.currency)


def customer_of(phone: str, merchant: Merchant) -> Customer:
    customer = wallet_of(phone, merchant).customer
    if customer is None:  # wallet_of only finds customer wallets, which have one
        raise errors.not_found("No wallet is registered for that MSISDN.")
    return customer


def check_consent(wallet: Account, merchant: Merchant) -> None:
    consented = merchant.mandates.filter(
        customer=wallet.customer,
        state=MandateState.ACTIVE,
        ends_on__gte=timezone.localdate(),
    ).exists()
    if not consented:
        raise errors.forbidden(
            "The customer has not consented: no active mandate with this partner.",
            "requestingPartyAuthorisationError",
        )


class AccountNameView(PartnerView):
    required_scope = Scope.ACCOUNT_NAME

    @schema.accountname
    def get(self, request: Request, phone: str) -> Response:
        customer = customer_of(phone, self.partner)
        first, _, last = customer.name.partition(" ")
        name = {"fullName": customer.name, "firstName": first}
        if last:
            name["lastName"] = last.rsplit(" ", 1)[-1]
        return Response({"name": name})


class BalanceView(PartnerView):
    required_scope = Scope.ACCOUNT_READ

    @schema.balance
    def get(self, request: Request, phone: str) -> Response:
        wallet = wallet_of(phone, self.partner)
        check_consent(wallet, self.partner)
        currency = wallet.currency
        active = wallet.customer is not None and wallet.customer.status == CustomerStatus.ACTIVE
        return Response(
            {
                "accountStatus": "available" if active else "unavailable",
                "currentBalance": render.amount_text(wallet.balance, currency),
                "availableBalance": render.amount_text(wallet.balance - wallet.held, currency),
                "reservedBalance": render.amount_text(wallet.held, currency),
                "unClearedBalance": render.amount_text(0, currency),
                "currency": currency,
            }
        )


def touching(account: Account) -> QuerySet[Posting, Any]:
    """The ids of the transactions that move money in or out of `account`."""
    return Posting.objects.filter(Q(debit_account=account) | Q(credit_account=account)).values(
        "transaction_id"
    )


class StatementEntriesView(PartnerView):
    required_scope = Scope.ACCOUNT_READ

    @schema.statemententries
    def get(self, request: Request, phone: str) -> Response:
        page = PaginationSerializer(data=request.query_params)
        page.is_valid(raise_exception=True)
        limit, offset = page.validated_data["limit"], page.validated_data["offset"]
        wallet = wallet_of(phone, self.partner)
        check_consent(wallet, self.partner)
        # A mandate consents to this partner's debits, not to the customer's whole life:
        # only the transactions between the customer and this partner are listed.
        rows = (
            Transaction.objects.filter(pk__in=touching(wallet))
            .filter(pk__in=touching(self.partner.account))
            .order_by("-id")
        )
        total = rows.count()
        shown = list(
            rows.prefetch_related(render.with_parties()).select_related("reverses")[
                offset : offset + limit
            ]
        )
        body = [render.transaction_object(row, self.partner) for row in shown]
        return Response(
            body,
            headers={
                "X-Records-Available-Count": str(total),
                "X-Records-Returned-Count": str(len(body)),
            },
        )
