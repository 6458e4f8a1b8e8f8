"""Background work of the agent network: load by id, call a service.

`send_commission_statements` runs monthly (Celery beat, day 1) and fans out one task per
agent for the previous calendar month; each builds the statement once (idempotent).
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from agents.models import Agent
from agents.services.statements import build_commission_statement, month_bounds, previous_month


@shared_task
def send_commission_statements() -> int:
    """Queue one statement task per agent that existed during last month; return how many."""
    month = previous_month(timezone.localdate())
    _, end = month_bounds(month)
    agent_ids = list(Agent.objects.filter(created_at__lt=end).values_list("pk", flat=True))
    for agent_id in agent_ids:
        commission_statement.delay(agent_id, month.isoformat())
    return len(agent_ids)


@shared_task
def commission_statement(agent_id: int, month: str) -> None:
    agent = Agent.objects.get(pk=agent_id)
    build_commission_statement(agent=agent, month=datetime.date.fromisoformat(month))
