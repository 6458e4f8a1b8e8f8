from __future__ import annotations

from importlib import import_module

from django.apps import AppConfig


class UssdConfig(AppConfig):
    name = "ussd"
    verbose_name = "USSD and SMS channels"

    def import_models(self) -> None:
        super().import_models()
        # The airtime requests live in their own package, as models of this app.
        import_module("ussd.airtime.models")

    def ready(self) -> None:
        # Explicit registration, no signals: an airtime posting's outbox row asks for it.
        from ussd.airtime import tasks  # noqa: F401  (registers the tasks with Celery)
        from ussd.airtime.services import record_request
        from wallets import outbox

        outbox.register("transaction.posted", record_request)
