from __future__ import annotations

from django.apps import AppConfig


class MerchantsConfig(AppConfig):
    name = "merchants"
    verbose_name = "Merchants and partners"

    def ready(self) -> None:
        # Explicit registration, no signals: a merchant's postings and the answers to its
        # requests to pay queue its webhooks (merchants.events).
        from merchants import events
        from merchants import tasks as tasks  # registers the tasks with Celery
        from wallets import outbox
        from wallets.services.payment_requests import ANSWERED

        outbox.register("transaction.posted", events.on_transaction_posted)
        outbox.register(ANSWERED, events.on_payment_request_answered)
