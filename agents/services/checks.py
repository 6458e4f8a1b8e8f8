"""The checks the cash services share: amounts, currencies, the customer's tier limits and
the agent's own limits, read the way the posting will apply them, so a quote refuses what
the posting would refuse (the posting checks again under lock; these only come first)."""

from __future__ import annotations

from django.utils import timezone

from agents import errors
from agents.models import Agent, CommissionKind
from wallets import errors as ledger_errors
from wallets import services as ledger_services
from wallets.models import Account, Customer, LimitCounter
from wallets.models.rules import TariffBand, TariffKind
from wallets.phones import normalize_phone
from wallets.services import CounterLimit, fee_for, limits_for


def check_amount(amount: int) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ledger_errors.InvalidAmount()


def check_currency(wallet: Account, agent: Agent) -> None:
    if wallet.currency != agent.currency:
        raise ledger_errors.CurrencyMismatch()


def check_tier(wallet: Account, amount: int) -> None:
    """The customer's KYC tier limits, as the posting will apply them."""
    limits = limits_for(wallet)
    if limits is None:
        raise ledger_errors.LimitsNotConfigured()
    if amount < limits.min_amount:
        raise ledger_errors.BelowMinimum()
    if amount > limits.max_per_transaction:
        raise ledger_errors.PerTransactionLimit()
    used = wallet.day_total if wallet.day_on == timezone.localdate() else 0
    if used + amount > limits.max_daily:
        raise ledger_errors.DailyLimit()


def agent_counter(agent: Agent, kind: str) -> CounterLimit:
    per_transaction, daily = agent_limits(agent, kind)
    return CounterLimit(f"agent:{agent.pk}:{kind}", per_transaction, daily)


def agent_limits(agent: Agent, kind: str) -> tuple[int | None, int | None]:
    if kind == CommissionKind.CASH_IN:
        return agent.cash_in_max_per_transaction, agent.cash_in_max_daily
    return agent.cash_out_max_per_transaction, agent.cash_out_max_daily


def check_agent_limit(agent: Agent, kind: str, amount: int) -> None:
    """The agent's own limits, read from the counter the posting will update."""
    per_transaction, daily = agent_limits(agent, kind)
    if per_transaction is not None and amount > per_transaction:
        raise ledger_errors.CounterPerTransactionLimit()
    if daily is None:
        return
    counter = LimitCounter.objects.filter(key=f"agent:{agent.pk}:{kind}").first()
    used = counter.day_total if counter and counter.day_on == timezone.localdate() else 0
    if used + amount > daily:
        raise ledger_errors.CounterDailyLimit()


def withdrawal_fee(currency: str, amount: int) -> int:
    try:
        return fee_for(TariffKind.CASH_OUT, currency, amount)
    except ledger_errors.NoTariff:
        if amount < lowest_tariff_amount(currency):
            raise errors.BelowMinimumWithdrawal() from None
        raise


def lowest_tariff_amount(currency: str) -> int:
    """The smallest withdrawal the tariff in force prices (KES 50 in the seeded tariff)."""
    tariff_bands = TariffBand.objects.filter(
        tariff__kind=TariffKind.CASH_OUT,
        tariff__currency=currency,
        tariff__effective_from__lte=timezone.now(),
    ).order_by("-tariff__effective_from", "min_amount")
    first = tariff_bands.first()
    return first.min_amount if first else 0


def wallet_for_phone(phone: str, currency: str) -> Account:
    """The customer's wallet in `currency`; UnknownCustomer if there is none."""
    return ledger_services.customer_wallet(normalize_phone(phone), currency)


def wallet_owner(wallet: Account) -> Customer:
    if wallet.customer is None:  # a customer wallet always has one; typed as optional
        raise ledger_errors.UnknownCustomer()
    return wallet.customer
