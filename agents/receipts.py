"""The SMS texts of agent operations: receipts for each party, and liquidity alerts.

Rendering reads only the ledger and the network rows, so rendering again gives the same
text: balances are the balances right after the transaction (`balances_after` from the
customer receipts, which this module reuses along with their date format, name cleaning and
one-SMS fitting). The customer's receipt and the agent's carry the same reference.

    QK7T3M9XRA Confirmed. KES 1,000 withdrawn from WANJIKU SHOP store 2 on 24/11/26 at
    3:05 PM. Fee KES 29. New balance KES 4,971.
    QK7T3M9XRA Confirmed. Give KES 1,000 cash to WANJIKU KAMAU 0700100101 on 24/11/26 at
    3:05 PM. Commission KES 8. New float KES 11,000.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max
from django.utils import translation
from django.utils.functional import Promise

from agents import texts
from agents.models import Agent, Aggregator, Store
from operators.models import Operator
from ussd.sms.encoding import plain_name
from ussd.sms.receipts import Receipt, balances_after, fit_one_sms, local_phone, receipt_time
from wallets.models import Customer, Transaction
from wallets.money import format_amount


@dataclass(frozen=True)
class Parties:
    """Who a posting concerns, read from its metadata."""

    aggregator: Aggregator
    agent: Agent | None = None
    store: Store | None = None
    customer: Customer | None = None


def parties_of(posted: Transaction) -> Parties:
    meta = posted.metadata
    if meta.get("store_id"):
        store = Store.objects.select_related("agent__aggregator").get(pk=meta["store_id"])
        customer = Customer.objects.filter(pk=meta.get("customer_id")).first()
        return Parties(store.agent.aggregator, store.agent, store, customer)
    if meta.get("agent_id"):
        agent = Agent.objects.select_related("aggregator").get(pk=meta["agent_id"])
        return Parties(agent.aggregator, agent)
    return Parties(Aggregator.objects.get(pk=meta["aggregator_id"]))


@dataclass(frozen=True)
class Scene:
    posted: Transaction
    parties: Parties
    balances: dict[int, int]  # account id -> its balance right after the posting

    def money(self, amount: int) -> str:
        return format_amount(amount, self.posted.currency)

    def values(self, account_id: int, **more: str) -> dict[str, str]:
        date, time = receipt_time(self.posted.created_at)
        return {
            "reference": self.posted.reference,
            "date": date,
            "time": time,
            "amount": self.money(self.posted.amount),
            "balance": self.money(self.balances[account_id]),
            **more,
        }

    def meta_money(self, key: str) -> str:
        return self.money(int(self.posted.metadata.get(key, 0)))


def scene_for(posted: Transaction) -> Scene:
    parties = parties_of(posted)
    accounts = [parties.aggregator.float_account_id]
    if parties.agent:
        accounts += [parties.agent.float_account_id, parties.agent.commission_account_id]
    if parties.customer:
        accounts += list(parties.customer.accounts.values_list("id", flat=True))
    last = posted.postings.aggregate(last=Max("id"))["last"] or 0
    return Scene(posted, parties, balances_after(accounts, last))


def language(code: str) -> str:
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def render(lang: str, template: Promise, values: dict[str, str], name: str, tail: str) -> str:
    """One SMS in `lang`, with the counterparty (`name` then `tail`) shortened to fit."""
    with translation.override(lang):
        return fit_one_sms(template, values, name, tail)


def customer_and_agent(
    scene: Scene, customer_template: Promise, agent_template: Promise, *, fee: bool
) -> list[Receipt]:
    agent, store, customer = scene.parties.agent, scene.parties.store, scene.parties.customer
    if agent is None or store is None or customer is None:
        return []
    wallet_id = customer.wallet(scene.posted.currency).pk
    customer_lang, agent_lang = language(customer.language), language(agent.language)
    extra = {"fee": scene.money(scene.posted.fee)} if fee else {}
    with translation.override(customer_lang):
        store_word = str(texts.STORE).format(number=store.store_number)
    to_customer = render(
        customer_lang,
        customer_template,
        scene.values(wallet_id, **extra),
        plain_name(agent.business_name),
        store_word,
    )
    to_agent = render(
        agent_lang,
        agent_template,
        scene.values(agent.float_account_id, commission=scene.meta_money("agent_commission")),
        plain_name(customer.name),
        local_phone(customer.phone),
    )
    return [
        Receipt(customer.phone, customer_lang, to_customer),
        Receipt(agent.phone, agent_lang, to_agent),
    ]


def cash_out(scene: Scene) -> list[Receipt]:
    return customer_and_agent(scene, texts.CUSTOMER_CASH_OUT, texts.AGENT_CASH_OUT, fee=True)


def cash_in(scene: Scene) -> list[Receipt]:
    return customer_and_agent(scene, texts.CUSTOMER_CASH_IN, texts.AGENT_CASH_IN, fee=False)


def float_between(scene: Scene, to_agent: Promise, to_aggregator: Promise) -> list[Receipt]:
    agent, aggregator = scene.parties.agent, scene.parties.aggregator
    if agent is None:
        return []
    agent_lang, aggregator_lang = language(agent.language), language(aggregator.language)
    return [
        Receipt(
            agent.phone,
            agent_lang,
            render(
                agent_lang,
                to_agent,
                scene.values(agent.float_account_id),
                plain_name(aggregator.name),
                "",
            ),
        ),
        Receipt(
            aggregator.phone,
            aggregator_lang,
            render(
                aggregator_lang,
                to_aggregator,
                scene.values(aggregator.float_account_id),
                plain_name(agent.business_name),
                agent.agent_number,
            ),
        ),
    ]


def buy_float(scene: Scene) -> list[Receipt]:
    return float_between(scene, texts.FLOAT_BOUGHT, texts.FLOAT_SOLD)


def return_float(scene: Scene) -> list[Receipt]:
    return float_between(scene, texts.FLOAT_RETURNED, texts.FLOAT_TAKEN_BACK)


def move_commission(scene: Scene) -> list[Receipt]:
    agent = scene.parties.agent
    if agent is None:
        return []
    lang = language(agent.language)
    left = scene.money(scene.balances[agent.commission_account_id])
    values = scene.values(agent.float_account_id, commission=left)
    return [Receipt(agent.phone, lang, render(lang, texts.COMMISSION_MOVED, values, "", ""))]


def operator_float(scene: Scene) -> list[Receipt]:
    """Float the agent bought from its own M-Pesa or MoMo (the operator collected it)."""
    agent = scene.parties.agent
    if agent is None:
        return []
    lang = language(agent.language)
    values = scene.values(agent.float_account_id, operator=operator_name(scene.posted))
    return [Receipt(agent.phone, lang, render(lang, texts.FLOAT_FROM_OPERATOR, values, "", ""))]


def operator_name(posted: Transaction) -> str:
    """The operator's name by the code the posting names (its code if it was deleted)."""
    code = str(posted.metadata.get("operator", ""))
    return Operator.objects.filter(code=code).values_list("name", flat=True).first() or code


def issue_float(scene: Scene) -> list[Receipt]:
    aggregator = scene.parties.aggregator
    lang = language(aggregator.language)
    values = scene.values(aggregator.float_account_id)
    return [Receipt(aggregator.phone, lang, render(lang, texts.FLOAT_ISSUED, values, "", ""))]


RENDERERS: dict[str, Callable[[Scene], list[Receipt]]] = {
    "cash_out": cash_out,
    "cash_in": cash_in,
    "buy_float": buy_float,
    "return_float": return_float,
    "move_commission": move_commission,
    "issue_float": issue_float,
    "operator_float": operator_float,
}


@dataclass(frozen=True)
class Alert:
    kind: str  # "low-float" or "low-cash"
    receipt: Receipt


def alerts_for(scene: Scene, *, expected_cash: int | None) -> list[Alert]:
    """Low-float and low-cash alerts for the agent, when the posting left it below a threshold."""
    agent = scene.parties.agent
    if agent is None:
        return []
    lang = language(agent.language)
    alerts = []
    float_balance = scene.balances[agent.float_account_id]
    if agent.low_float_threshold and float_balance < agent.low_float_threshold:
        with translation.override(lang):
            text = str(texts.LOW_FLOAT).format(
                agent_number=agent.agent_number,
                balance=scene.money(float_balance),
                threshold=scene.money(agent.low_float_threshold),
            )
        alerts.append(Alert("low-float", Receipt(agent.phone, lang, text)))
    store = scene.parties.store
    threshold = agent.low_cash_threshold
    if store and expected_cash is not None and threshold and expected_cash < threshold:
        with translation.override(lang):
            text = str(texts.LOW_CASH).format(
                store_number=store.store_number,
                cash=scene.money(expected_cash),
                threshold=scene.money(threshold),
            )
        alerts.append(Alert("low-cash", Receipt(agent.phone, lang, text)))
    return alerts
