from __future__ import annotations

from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "Agent network"

    def ready(self) -> None:
        # Explicit registration, no signals: an agent posting's outbox row enters the cash
        # drawer, raises flags and queues the receipts and alerts.
        from agents import tasks  # noqa: F401  (registers the tasks with Celery)
        from agents.handlers import on_transaction_posted
        from wallets import outbox

        outbox.register("transaction.posted", on_transaction_posted)
