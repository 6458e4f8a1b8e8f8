"""Monthly commission statements, built from the ledger.

The commission figures are what the agent's commission account actually received from
cash-ins and cash-outs in the month (its postings), the counts are the operations done, and
the withheld amount is the commission the split-transaction rule kept back. A statement is
built once per agent and month (unique), and its summary SMS is queued with it under a dedup
key, so the monthly task may run twice.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone, translation

from agents import texts
from agents.models import Agent, CommissionStatement, Flag, FlagKind
from agents.receipts import language
from ussd.sms.services import queue_sms
from wallets.models import Posting, Transaction, TransactionKind
from wallets.money import format_amount

KINDS = (TransactionKind.CASH_IN, TransactionKind.CASH_OUT)


def previous_month(today: datetime.date) -> datetime.date:
    """The first day of the month before `today`'s."""
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Local midnight of the month's first day and of the next month's."""
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return (
        timezone.make_aware(datetime.datetime.combine(month, datetime.time())),
        timezone.make_aware(datetime.datetime.combine(following, datetime.time())),
    )


def build_commission_statement(*, agent: Agent, month: datetime.date) -> CommissionStatement:
    """The agent's statement for `month` (its first day), built and SMSed once."""
    month = month.replace(day=1)
    existing = CommissionStatement.objects.filter(agent=agent, month=month).first()
    if existing is not None:
        return existing
    figures = month_figures(agent, month)
    try:
        with transaction.atomic():
            statement = CommissionStatement.objects.create(
                agent=agent, month=month, currency=agent.currency, **figures
            )
            if statement.cash_in_count or statement.cash_out_count:
                queue_summary(statement)
    except IntegrityError:  # built concurrently by a twin task
        return CommissionStatement.objects.get(agent=agent, month=month)
    return statement


def month_figures(agent: Agent, month: datetime.date) -> dict[str, int]:
    start, end = month_bounds(month)
    in_month = {"created_at__gte": start, "created_at__lt": end}
    counts = dict(
        Transaction.objects.filter(kind__in=KINDS, metadata__agent_id=agent.pk, **in_month)
        .values("kind")
        .annotate(count=Count("id"))
        .values_list("kind", "count")
    )
    paid = dict(
        Posting.objects.filter(
            credit_account=agent.commission_account,
            transaction__kind__in=KINDS,
            transaction__created_at__gte=start,
            transaction__created_at__lt=end,
        )
        .values("transaction__kind")
        .annotate(total=Sum("amount"))
        .values_list("transaction__kind", "total")
    )
    withheld = Flag.objects.filter(
        agent=agent,
        kind=FlagKind.SPLIT_TRANSACTION,
        transaction__created_at__gte=start,
        transaction__created_at__lt=end,
    ).aggregate(total=Sum("withheld"))["total"]
    return {
        "cash_in_count": counts.get(TransactionKind.CASH_IN, 0),
        "cash_in_commission": paid.get(TransactionKind.CASH_IN) or 0,
        "cash_out_count": counts.get(TransactionKind.CASH_OUT, 0),
        "cash_out_commission": paid.get(TransactionKind.CASH_OUT) or 0,
        "withheld": withheld or 0,
    }


def queue_summary(statement: CommissionStatement) -> None:
    agent = statement.agent
    lang = language(agent.language)

    def money(amount: int) -> str:
        return format_amount(amount, statement.currency)

    with translation.override(lang):
        text = str(texts.COMMISSION_STATEMENT).format(
            agent_number=agent.agent_number,
            month=f"{statement.month:%m/%Y}",
            cash_in_count=statement.cash_in_count,
            cash_in=money(statement.cash_in_commission),
            cash_out_count=statement.cash_out_count,
            cash_out=money(statement.cash_out_commission),
            total=money(statement.total_commission),
            withheld=money(statement.withheld),
        )
    queue_sms(
        to=agent.phone,
        text=text,
        purpose="commission_statement",
        dedup_key=f"commission-statement:{agent.pk}:{statement.month:%Y-%m}",
        language=lang,
    )
