"""Merchant background jobs (Celery beat): deliver webhooks, end mandates past their date,
settle the day that ended.

Tasks carry no arguments that matter: the rows are the truth, and the functions they call are
safe to run twice or at the same time (webhooks are claimed with SKIP LOCKED and a lease).
"""

from __future__ import annotations

from celery import shared_task

from merchants import services, settlement, webhooks


@shared_task(name="merchants.tasks.deliver_webhooks", ignore_result=True)
def deliver_webhooks() -> int:
    """Send the due webhooks: run by beat every 15 seconds and after each new webhook commits."""
    return webhooks.deliver_due()


@shared_task(name="merchants.tasks.expire_mandates", ignore_result=True)
def expire_mandates() -> int:
    """Mark mandates past their end date ended (they already stopped being usable)."""
    return services.expire_mandates()


@shared_task(name="merchants.tasks.settle_merchants")
def settle_merchants() -> int:
    """Daily after midnight: sweep merchants' balances for the day that ended (once a day)."""
    return settlement.settle_yesterday()
