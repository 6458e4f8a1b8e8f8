"""One-time withdrawal codes: a cash-out the agent starts, authorised by the customer's code.

For customers without their phone at hand (a shared or borrowed handset): the customer makes
a 6-digit code on USSD and tells it to the assistant, who enters the customer's phone number,
the amount and the code. The code replaces the customer's PIN, so it gets the PIN's care: only
its HMAC is stored, it lives a few minutes, three wrong tries void it, and it pays out once.

Paying out once under concurrency: the code row is locked while it is checked, and a
conditional UPDATE (`open` -> `claimed`, naming the request's idempotency key) picks the one
request that may post. The posting is a separate durable transaction (`post_transaction`
does not nest), so the claim is released if the posting is refused, and a retry of the same
request (same key) finds its own claim again.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agents import errors
from agents.models import Assistant, CodeState, WithdrawalCode
from agents.services.cash import post_cash_out
from agents.services.cash_reads import read_for_cash_out
from agents.services.checks import check_amount, wallet_for_phone, wallet_owner
from agents.services.network import acting_assistant, check_serving
from wallets.errors import AccountNotActive, InvalidAmount, LedgerError
from wallets.models import Customer, Transaction
from wallets.models.customers import CustomerStatus
from wallets.services import find_replay
from wallets.services.posting import request_hash

CODE_DIGITS = 6
MAX_CODE_TRIES = 3


def code_lifetime() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.WITHDRAWAL_CODE_MINUTES)


def digest(customer_id: int, code: str) -> str:
    """HMAC-SHA256 keyed with the pepper (outside the database), bound to the customer."""
    message = f"withdrawal-code:{customer_id}:{code}".encode()
    return hmac.new(settings.PIN_PEPPER.encode(), message, hashlib.sha256).hexdigest()


def create_withdrawal_code(*, customer: Customer, amount: int) -> tuple[str, WithdrawalCode]:
    """A new code for the customer, voiding any open one. The clear code is returned once and
    never stored: show it on the customer's own screen, never send it by SMS."""
    if customer.status != CustomerStatus.ACTIVE:
        raise AccountNotActive()
    if amount <= 0:
        raise InvalidAmount()
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = timezone.now()
    with transaction.atomic():
        WithdrawalCode.objects.filter(customer=customer, state=CodeState.OPEN).update(
            state=CodeState.VOID
        )
        row = WithdrawalCode.objects.create(
            customer=customer,
            amount=amount,
            code_hash=digest(customer.pk, code),
            created_at=now,
            expires_at=now + code_lifetime(),
        )
    return code, row


def cash_out_with_code(
    *,
    assistant: Assistant,
    phone: str,
    amount: int,
    code: str,
    idempotency_key: str,
    channel: str,
) -> Transaction:
    """Cash-out at the assistant's store, authorised by the customer's one-time code, exactly
    once per key; the code pays out at most once."""
    if not idempotency_key or len(idempotency_key) > 200:
        raise LedgerError("An idempotency key of 1 to 200 characters is required.")
    loaded = Assistant.objects.select_related("store__agent__float_account").get(pk=assistant.pk)
    wallet = wallet_for_phone(phone, loaded.store.agent.currency)
    fingerprint = request_hash("cash_out_with_code", wallet.pk, loaded.store_id, amount)
    if (done := find_replay(idempotency_key=idempotency_key, fingerprint=fingerprint)) is not None:
        finish_claim(idempotency_key, done)  # a crash may have come between post and finish
        return done
    check_amount(amount)
    acting = acting_assistant(loaded)
    claimed = claim_code(
        customer=wallet_owner(wallet), code=code, amount=amount, idempotency_key=idempotency_key
    )
    try:
        reads = read_for_cash_out(
            store=acting.store, wallet=wallet, idempotency_key=idempotency_key
        )
        check_serving(reads.store)  # read again with the rest: still serving after the claim
        posted = post_cash_out(
            wallet=wallet,
            reads=reads,
            amount=amount,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            channel=channel,
            initiator=f"assistant:{acting.pk}",
            extra={
                "authorised_by": "withdrawal_code",
                "withdrawal_code_id": claimed.pk,
                "assistant_id": acting.pk,
            },
        )
    except LedgerError:  # refused: the customer may try again with the same code
        release_claim(idempotency_key)
        raise
    finish_claim(idempotency_key, posted)
    return posted


def claim_code(
    *, customer: Customer, code: str, amount: int, idempotency_key: str
) -> WithdrawalCode:
    """Check `code` against the customer's latest code and claim it for this request.

    A wrong code counts a try (committed before the error is raised); the third voids it.
    """
    refusal: LedgerError | None = None
    with transaction.atomic():
        latest = (
            WithdrawalCode.objects.select_for_update()
            .filter(customer=customer)
            .order_by("-created_at", "-id")
            .first()
        )
        if latest is None:
            raise errors.NoWithdrawalCode()
        if latest.state == CodeState.CLAIMED and latest.claimed_by == idempotency_key:
            return latest  # this request's own claim, from an attempt that did not finish
        if latest.state in (CodeState.CLAIMED, CodeState.USED):
            raise errors.CodeUsed()
        if latest.state == CodeState.VOID or latest.is_expired:
            raise errors.CodeExpired()
        if not hmac.compare_digest(latest.code_hash, digest(customer.pk, code.strip())):
            tries = latest.failed_attempts + 1
            left = max(MAX_CODE_TRIES - tries, 0)
            WithdrawalCode.objects.filter(pk=latest.pk).update(
                failed_attempts=tries, state=CodeState.OPEN if left else CodeState.VOID
            )
            refusal = errors.WrongCode(left)
        elif latest.amount != amount:  # the customer authorised one amount only
            refusal = errors.CodeAmountMismatch()
        elif not WithdrawalCode.objects.filter(
            pk=latest.pk, state=CodeState.OPEN, expires_at__gt=timezone.now()
        ).update(state=CodeState.CLAIMED, claimed_by=idempotency_key):
            refusal = errors.CodeUsed()
    if refusal is not None:
        raise refusal
    latest.state, latest.claimed_by = CodeState.CLAIMED, idempotency_key
    return latest


def release_claim(idempotency_key: str) -> None:
    WithdrawalCode.objects.filter(claimed_by=idempotency_key, state=CodeState.CLAIMED).update(
        state=CodeState.OPEN, claimed_by=""
    )


def finish_claim(idempotency_key: str, posted: Transaction) -> None:
    WithdrawalCode.objects.filter(claimed_by=idempotency_key, state=CodeState.CLAIMED).update(
        state=CodeState.USED, used_at=timezone.now(), transaction=posted
    )
