"""What a cash-out reads before it posts, in one statement.

Before `wallets_post`, a cash-out needs to know whether its idempotency key was used already
(a retry is answered with the first transaction), the store with its agent, aggregator and
float (each must be active), the commission table in force and this customer's earlier
withdrawals at the agent inside the split window (the split rule), and the fee-income account
that pays the commission. These were five queries, and building each through the ORM cost
more of the server's CPU than the posting itself (about 1 ms a query on two shared cores).
Here they are one statement written once: the store chain's columns come from the models'
own field lists, and the commission reads are the texts `commissions.schedule_for` and
`commissions.earlier_parts` run on their own (`BANDS_IN_FORCE_SQL`, `EARLIER_PARTS_SQL`).

Nothing is cached between cash-outs: a commission table edited in the admin, or a store
suspended a moment ago, is seen by the next one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from agents.detectors import Band, Part
from agents.models import Agent, Aggregator, CommissionKind, Store
from agents.services.commissions import BANDS_IN_FORCE_SQL, earlier_parts_sql, split_window
from wallets.models import Account, AccountKind

M = TypeVar("M", bound=Model)
# The store, its agent, the agent's aggregator and float: table aliases in READ_SQL.
CHAIN: tuple[tuple[type[Model], str], ...] = (
    (Store, "s"),
    (Agent, "a"),
    (Aggregator, "g"),
    (Account, "f"),
)


def columns(model: type[Model], alias: str) -> str:
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


READ_SQL = f"""
SELECT {", ".join(columns(model, alias) for model, alias in CHAIN)},
       EXISTS (SELECT 1 FROM wallets_transaction WHERE idempotency_key = %(key)s),
       (SELECT jsonb_agg(jsonb_build_array(b.min_amount, b.max_amount, b.commission)
                         ORDER BY b.min_amount)
          FROM ({BANDS_IN_FORCE_SQL}) b),
       (SELECT jsonb_agg(jsonb_build_array(e.amount, e.commission, e.reference) ORDER BY e.id)
          FROM ({earlier_parts_sql(CommissionKind.CASH_OUT, agent="a.id")}) e),
       (SELECT id FROM wallets_account WHERE code = %(fee_income)s)
  FROM agents_store s
  JOIN agents_agent a ON a.id = s.agent_id
  JOIN agents_aggregator g ON g.id = a.aggregator_id
  JOIN wallets_account f ON f.id = a.float_account_id
 WHERE s.id = %(store)s"""  # noqa: S608 (names from the models, values are parameters)


@dataclass(frozen=True)
class CashOutReads:
    store: Store  # with its agent, aggregator and the agent's float; not checked yet
    replayed: bool  # a transaction exists under the idempotency key
    bands: tuple[Band, ...]  # the cash-out commission table in force (empty: none is)
    earlier: list[Part]  # this customer's withdrawals at this agent inside the split window
    fee_income_id: int | None  # None until the currency's fee-income account is opened


def read_for_cash_out(*, store: Store, wallet: Account, idempotency_key: str) -> CashOutReads:
    """Everything `cash.post_cash_out` needs that the database knows, in one round trip;
    Store.DoesNotExist for a store that is not there."""
    now = timezone.now()
    params: dict[str, Any] = {
        "store": store.pk,
        "key": idempotency_key,
        "kind": CommissionKind.CASH_OUT,
        "currency": wallet.currency,
        "at": now,
        "wallet": wallet.pk,
        "since": now - split_window(),
        # The code `wallets.services.house_account` gives the account when it opens it.
        "fee_income": f"{AccountKind.FEE_INCOME}:{wallet.currency}",
    }
    with connection.cursor() as cursor:
        cursor.execute(READ_SQL, params)
        row = cursor.fetchone()
    if row is None:
        raise Store.DoesNotExist("Store matching query does not exist.")
    values = iter(row)
    fresh, agent = load(Store, values), load(Agent, values)  # in the order of CHAIN
    aggregator, float_account = load(Aggregator, values), load(Account, values)
    replayed, bands, earlier, fee_income_id = values  # jsonb comes back as text here
    agent.aggregator, agent.float_account, fresh.agent = aggregator, float_account, agent
    return CashOutReads(
        store=fresh,
        replayed=replayed,
        bands=tuple(Band(*band) for band in json.loads(bands or "[]")),
        earlier=[
            Part(amount=amount, commission=commission, reference=reference)
            for amount, commission, reference in json.loads(earlier or "[]")
        ],
        fee_income_id=fee_income_id,
    )


def load(model: type[M], values: Iterator[Any]) -> M:
    """The next columns of `values` as an instance of `model`, as the ORM would load it."""
    fields = model._meta.concrete_fields
    loaded = []
    for field in fields:
        value = next(values)
        for converter in field.get_db_converters(connection):
            value = converter(value, field, connection)
        loaded.append(value)
    return model.from_db(connection.alias, [field.attname for field in fields], loaded)
