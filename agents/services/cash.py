"""Cash-out and cash-in at an agent: quotes before the PIN, and the postings.

A cash-out is one posting: the customer's wallet pays the amount into the agent's float (the
agent hands over the cash) and the withdrawal fee into fee income, and fee income pays the
commission to the agent and the head office. The customer's KYC tier limits apply
(`limited_account`), and the agent's own per-transaction and daily limit is a named counter
checked under lock in the same statement (`CounterLimit`), so concurrent withdrawals cannot
pass either limit together.

A cash-in is the mirror without a fee: the agent's float pays the customer's wallet, and fee
income pays the commission. Deposits are only for the account holder: the assistant types
the depositor's ID number, which must be the wallet's (a "direct deposit" for an absent
third party skips the send-money fee while the agent still earns).

Channels verify the customer's or assistant's PIN before calling these; the services check
who may transact (statuses) and the money rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents import errors
from agents.models import Agent, Assistant, CommissionKind, Store
from agents.services import flags
from agents.services.cash_reads import CashOutReads, read_for_cash_out
from agents.services.checks import (
    agent_counter,
    check_agent_limit,
    check_amount,
    check_currency,
    check_tier,
    lowest_tariff_amount,
    wallet_for_phone,
    wallet_owner,
    withdrawal_fee,
)
from agents.services.commissions import (
    Commission,
    commission_for,
    decide_commission,
    schedule_of,
)
from agents.services.network import account_ref, acting_assistant, check_serving, serving_store
from wallets import errors as ledger_errors
from wallets.models import Account, AccountKind, Customer, Transaction, TransactionKind
from wallets.models.customers import CustomerStatus
from wallets.models.rules import TariffKind
from wallets.services import FeeRule, Leg, find_replay, house_account, post_transaction
from wallets.services.posting import request_hash


@dataclass(frozen=True)
class CashQuote:
    """What a channel shows before the PIN. `commission` is what the agent will earn (its
    share, after the split-transaction rule)."""

    amount: int
    fee: int
    commission: int
    currency: str
    agent_name: str
    store_name: str
    customer_name: str


def quote_cash_out(
    *, wallet: Account, store: Store, amount: int, by_customer: bool = True
) -> CashQuote:
    """The fee and every refusal a withdrawal would meet that is known before the PIN.

    Only the customer's own quote (`by_customer`, on their phone after choosing the store)
    checks their balance and limits. An agent's quote does not: refusals there would tell an
    agent, one amount at a time, how much anyone holds. The posting checks them anyway.
    """
    check_amount(amount)
    store = serving_store(store)
    agent = store.agent
    wallet = Account.objects.select_related("customer").get(pk=wallet.pk)
    customer = wallet_owner(wallet)
    check_currency(wallet, agent)
    if customer.status != CustomerStatus.ACTIVE:
        raise ledger_errors.AccountNotActive()
    commission = commission_for(
        kind=CommissionKind.CASH_OUT, wallet=wallet, agent=agent, amount=amount
    )
    fee = withdrawal_fee(wallet.currency, amount)
    check_agent_limit(agent, CommissionKind.CASH_OUT, amount)
    if by_customer:
        check_tier(wallet, amount)
        if wallet.available < amount + fee:
            raise ledger_errors.InsufficientFunds()
    return quote(amount, fee, commission, agent, store, customer)


def cash_out_fingerprint(*, wallet: Account, store: Store, amount: int) -> str:
    """What makes two cash-out requests the same (see `wallets.services.find_replay`)."""
    return request_hash("cash_out", wallet.pk, store.pk, amount, wallet.currency)


def cash_out(
    *,
    wallet: Account,
    store: Store,
    amount: int,
    idempotency_key: str,
    channel: str,
    initiator: str = "",
) -> Transaction:
    """Pay `amount` (plus the fee) from the customer's wallet into the agent's float for cash
    over the counter, exactly once per key."""
    fingerprint = cash_out_fingerprint(wallet=wallet, store=store, amount=amount)
    reads = read_for_cash_out(store=store, wallet=wallet, idempotency_key=idempotency_key)
    if reads.replayed:
        done = find_replay(idempotency_key=idempotency_key, fingerprint=fingerprint)
        if done is not None:
            return done
    check_amount(amount)
    check_serving(reads.store)
    return post_cash_out(
        wallet=wallet,
        reads=reads,
        amount=amount,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
        channel=channel,
        initiator=initiator,
        extra={"authorised_by": "customer_pin"},
    )


def post_cash_out(
    *,
    wallet: Account,
    reads: CashOutReads,
    amount: int,
    idempotency_key: str,
    fingerprint: str,
    channel: str,
    initiator: str,
    extra: dict[str, object],
) -> Transaction:
    """The cash-out posting shared by the customer's and the agent's (code) flows; the caller
    has checked that `reads.store` serves (`network.check_serving`)."""
    store = reads.store
    agent = store.agent
    check_currency(wallet, agent)
    commission = decide_commission(
        kind=CommissionKind.CASH_OUT,
        schedule=schedule_of(reads.bands),
        earlier=reads.earlier,
        agent=agent,
        amount=amount,
    )
    if reads.fee_income_id is None:  # the currency's first fee
        fee_income = house_account(AccountKind.FEE_INCOME, wallet.currency)
    else:
        fee_income = account_ref(reads.fee_income_id)
    try:
        return post_transaction(
            kind=TransactionKind.CASH_OUT,
            idempotency_key=idempotency_key,
            currency=wallet.currency,
            amount=amount,
            legs=[
                Leg(wallet, agent.float_account, amount),
                *commission.legs(fee_income=fee_income, agent=agent),
            ],
            fingerprint=fingerprint,
            channel=channel,
            initiator=initiator,
            metadata=metadata("cash_out", store, wallet, commission) | extra,
            fee=FeeRule(TariffKind.CASH_OUT, wallet, fee_income),
            limited_account=wallet,
            counter=agent_counter(agent, CommissionKind.CASH_OUT),
        )
    except ledger_errors.NoTariff:
        if amount < lowest_tariff_amount(wallet.currency):
            raise errors.BelowMinimumWithdrawal() from None
        raise


def quote_cash_in(*, assistant: Assistant, phone: str, amount: int) -> CashQuote:
    """The commission and every refusal a deposit would meet, before the assistant's PIN."""
    check_amount(amount)
    assistant = acting_assistant(assistant)
    store, agent = assistant.store, assistant.store.agent
    wallet = wallet_for_phone(phone, agent.currency)
    customer = wallet_owner(wallet)
    if customer.status in (CustomerStatus.CLOSED, CustomerStatus.FROZEN):
        raise ledger_errors.RecipientNotActive()
    commission = commission_for(
        kind=CommissionKind.CASH_IN, wallet=wallet, agent=agent, amount=amount
    )
    check_agent_limit(agent, CommissionKind.CASH_IN, amount)
    # The customer's balance cap is left to the posting: refusing here would tell the agent,
    # one amount at a time, how much the customer holds.
    if agent.float_account.available < amount:
        raise errors.InsufficientFloat()
    return quote(amount, 0, commission, agent, store, customer)


def cash_in_fingerprint(*, store: Store, wallet: Account, amount: int) -> str:
    return request_hash("cash_in", store.pk, wallet.pk, amount, wallet.currency)


def cash_in(
    *,
    assistant: Assistant,
    phone: str,
    amount: int,
    id_number: str,
    idempotency_key: str,
    channel: str,
) -> Transaction:
    """Pay `amount` from the agent's float into the depositor's own wallet for cash received,
    exactly once per key; free for the customer."""
    loaded = Assistant.objects.select_related("store__agent__float_account").get(pk=assistant.pk)
    wallet = wallet_for_phone(phone, loaded.store.agent.currency)
    fingerprint = cash_in_fingerprint(store=loaded.store, wallet=wallet, amount=amount)
    if (done := find_replay(idempotency_key=idempotency_key, fingerprint=fingerprint)) is not None:
        return done
    check_amount(amount)
    assistant = acting_assistant(loaded)
    store, agent = assistant.store, assistant.store.agent
    check_depositor(wallet_owner(wallet), id_number, agent)
    commission = commission_for(
        kind=CommissionKind.CASH_IN,
        wallet=wallet,
        agent=agent,
        amount=amount,
        idempotency_key=idempotency_key,
    )
    fee_income = house_account(AccountKind.FEE_INCOME, wallet.currency)
    try:
        return post_transaction(
            kind=TransactionKind.CASH_IN,
            idempotency_key=idempotency_key,
            currency=wallet.currency,
            amount=amount,
            legs=[
                Leg(agent.float_account, wallet, amount),
                *commission.legs(fee_income=fee_income, agent=agent),
            ],
            fingerprint=fingerprint,
            channel=channel,
            initiator=f"assistant:{assistant.pk}",
            metadata=metadata("cash_in", store, wallet, commission)
            | {"assistant_id": assistant.pk},
            counter=agent_counter(agent, CommissionKind.CASH_IN),
        )
    except ledger_errors.InsufficientFunds:  # the float is the only account it debits
        raise errors.InsufficientFloat() from None


def check_depositor(customer: Customer, id_number: str, agent: Agent) -> None:
    """Refuse a deposit unless the depositor's ID is the holder's (no direct deposits)."""
    registered = "".join(customer.id_number.split()).casefold()
    given = "".join(id_number.split()).casefold()
    if not registered or registered != given:
        flags.record_direct_deposit_attempt(agent=agent, customer=customer)
        raise errors.DepositorMismatch()


def metadata(
    operation: str, store: Store, wallet: Account, commission: Commission
) -> dict[str, object]:
    return {
        "operation": operation,
        "agent_id": store.agent.pk,
        "agent_number": store.agent.agent_number,
        "store_id": store.pk,
        "store_number": store.store_number,
        "aggregator_id": store.agent.aggregator_id,
        "customer_id": wallet.customer_id,
        **commission.metadata(),
    }


def quote(
    amount: int, fee: int, commission: Commission, agent: Agent, store: Store, customer: Customer
) -> CashQuote:
    return CashQuote(
        amount=amount,
        fee=fee,
        commission=commission.shares.agent,
        currency=agent.currency,
        agent_name=agent.business_name,
        store_name=store.name,
        customer_name=customer.name,
    )
