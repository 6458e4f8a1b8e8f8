"""Airtime bought from a wallet: the money goes to the airtime settlement account.

The posting's `transaction.posted` outbox row is what asks Africa's Talking for the airtime
(ussd/airtime, after commit, never inside a USSD hop); a definite failure there is refunded
with `reverse_transaction`.
"""

from __future__ import annotations

from wallets.models import Account, AccountKind, Channel, Transaction, TransactionKind
from wallets.services.accounts import house_account
from wallets.services.posting import Leg, post_transaction, request_hash

AIRTIME_SETTLEMENT = "airtime"


def buy_airtime_fingerprint(*, wallet: Account, phone: str, amount: int) -> str:
    """What makes two airtime requests the same request (see `find_replay`)."""
    return request_hash("airtime", wallet.pk, phone, amount, wallet.currency)


def buy_airtime(
    *,
    wallet: Account,
    phone: str,
    amount: int,
    idempotency_key: str,
    channel: str = Channel.API,
    initiator: str = "",
) -> Transaction:
    """Debit `amount` from `wallet` for airtime to `phone` (E.164), exactly once per key.

    The sender's limits apply, checked under the wallet's row lock like any debit.
    """
    settlement = house_account(AccountKind.SETTLEMENT, wallet.currency, name=AIRTIME_SETTLEMENT)
    return post_transaction(
        kind=TransactionKind.AIRTIME,
        idempotency_key=idempotency_key,
        currency=wallet.currency,
        amount=amount,
        legs=[Leg(wallet, settlement, amount)],
        fingerprint=buy_airtime_fingerprint(wallet=wallet, phone=phone, amount=amount),
        channel=channel,
        initiator=initiator,
        metadata={"airtime_phone": phone},
        limited_account=wallet,
    )
