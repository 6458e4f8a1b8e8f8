"""Views of the API v1: validate, call one service, render.

Clients are Django users with a DRF token; the customer's PIN authorises each transfer.
Errors are raised, never rendered here: `wallets.api.errors` turns them into statuses.

A transfer runs in this order: the Idempotency-Key header, the body, the two wallets, then
the replay check, then the PIN, then `send_money`. The replay check comes before the PIN on
purpose: a client retrying after a timeout gets the first receipt (201, the same body,
`Idempotent-Replayed: true`) without the retry counting as a PIN try, even if the PIN was
changed or locked since. Keys are namespaced per client (`api:<user id>:<key>`), so two
clients can never replay or block each other's transfers; the token is what authorises a
replay. Two identical requests racing past the replay check are settled by `send_money`,
which posts once and returns the same transaction to both.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection
from django.db.models import Prefetch
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from rest_framework import status
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wallets import errors
from wallets.api import schema
from wallets.api.errors import (
    InvalidIdempotencyKey,
    UnknownRecipient,
    UnknownSender,
    UnknownTransaction,
)
from wallets.api.serializers import (
    BalanceSerializer,
    StatementLineSerializer,
    StatementQuerySerializer,
    TransactionSerializer,
    Transfer,
    TransferRequestSerializer,
    TransferSerializer,
    WalletQuerySerializer,
)
from wallets.models import Account, Channel, Posting, Transaction
from wallets.phones import normalize_phone
from wallets.services import (
    customer_wallet,
    find_replay,
    send_money,
    send_money_fingerprint,
    statement,
    verify_pin,
)

logger = logging.getLogger(__name__)

IDEMPOTENCY_KEY_MAX = 200  # Transaction.idempotency_key.max_length


@method_decorator(sensitive_post_parameters("pin"), name="dispatch")
class TransferView(APIView):
    @schema.transfer
    @sensitive_variables()  # the body, hence the PIN, is in every local of this frame
    def post(self, request: Request) -> Response:
        key = namespaced_key(request.user, request.headers.get("Idempotency-Key", ""))
        form = TransferRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        sender = customer_wallet(data["sender"], data["currency"], missing=UnknownSender)
        recipient = customer_wallet(data["recipient"], data["currency"], missing=UnknownRecipient)
        headers = {}
        done = replay_of(key, sender=sender, recipient=recipient, amount=data["amount"])
        if done is not None:
            headers["Idempotent-Replayed"] = "true"
        else:
            done = send_with_pin(
                sender=sender,
                recipient=recipient,
                amount=data["amount"],
                pin=data["pin"],
                idempotency_key=key,
                initiator=f"api:{request.user.get_username()}"[:100],
            )
            logger.info("transfer %s posted for api client %s", done.reference, request.user.pk)
        receipt = Transfer(done, sender=data["sender"], recipient=data["recipient"])
        return Response(TransferSerializer(receipt).data, status.HTTP_201_CREATED, headers=headers)


class ReadsWallets(BasePermission):
    """Reading a customer's balance, statement or transactions needs more than a token: the
    client must hold `wallets.read_wallets_by_api` (the operator's own apps). Transfers need
    only a token, because the customer's PIN authorises each one. Partners read balances
    through the partner API, where the customer's mandate is the consent."""

    message = "This API client may not read customers' wallets."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.has_perm("wallets.read_wallets_by_api"))


class WalletBalanceView(APIView):
    permission_classes = [IsAuthenticated, ReadsWallets]

    @schema.balance
    def get(self, request: Request, phone: str) -> Response:
        query = WalletQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        wallet = customer_wallet(normalize_phone(phone), query.validated_data["currency"])
        return Response(BalanceSerializer(wallet).data)


class WalletStatementView(APIView):
    permission_classes = [IsAuthenticated, ReadsWallets]

    @schema.statement
    def get(self, request: Request, phone: str) -> Response:
        query = StatementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        wallet = customer_wallet(normalize_phone(phone), query.validated_data["currency"])
        lines = statement(wallet, limit=query.validated_data["limit"])
        return Response(StatementLineSerializer(lines, many=True).data)


class TransactionView(APIView):
    permission_classes = [IsAuthenticated, ReadsWallets]

    @schema.transaction
    def get(self, request: Request, reference: str) -> Response:
        postings = Posting.objects.select_related(
            "debit_account__customer", "credit_account__customer"
        )
        found = (
            Transaction.objects.prefetch_related(Prefetch("postings", queryset=postings))
            .filter(reference=reference.strip().upper())
            .first()
        )
        if found is None:
            raise UnknownTransaction()
        return Response(TransactionSerializer(found).data)


class HealthView(APIView):
    """Liveness for load balancers and monitors: no authentication, one `SELECT 1`."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @schema.health
    def get(self, request: Request) -> Response:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError:
            logger.warning("health check: the database is unavailable", exc_info=True)
            return Response(
                {"status": "error", "database": "unavailable"},
                status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response({"status": "ok", "database": "ok"})


def namespaced_key(client: AbstractBaseUser | AnonymousUser | None, key: str) -> str:
    """The ledger's idempotency key for a client's `Idempotency-Key` header (1-200 characters).

    A key too long to fit beside the prefix is replaced by its SHA-256, so every accepted
    header still maps to one key of at most 200 characters.
    """
    key = key.strip()
    if client is None or not key or len(key) > IDEMPOTENCY_KEY_MAX:
        raise InvalidIdempotencyKey()
    prefix = f"api:{client.pk}:"
    if len(prefix) + len(key) > IDEMPOTENCY_KEY_MAX:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return prefix + key


def replay_of(key: str, *, sender: Account, recipient: Account, amount: int) -> Transaction | None:
    """The transfer already posted under `key`; IdempotencyConflict if it was another request."""
    fingerprint = send_money_fingerprint(sender=sender, recipient=recipient, amount=amount)
    return find_replay(idempotency_key=key, fingerprint=fingerprint)


@sensitive_variables("pin")
def send_with_pin(
    *,
    sender: Account,
    recipient: Account,
    amount: int,
    pin: str,
    idempotency_key: str,
    initiator: str,
) -> Transaction:
    """Check the sender's PIN (a wrong try is counted and committed), then send the money."""
    if sender.customer is None:  # only customer wallets are looked up; they have an owner
        raise errors.PinNotSet()
    verify_pin(sender.customer, pin)
    return send_money(
        sender=sender,
        recipient=recipient,
        amount=amount,
        idempotency_key=idempotency_key,
        channel=Channel.API,
        initiator=initiator,
    )
