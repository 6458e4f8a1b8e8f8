from __future__ import annotations

from django.apps import AppConfig


class GsmaConfig(AppConfig):
    name = "gsma"
    verbose_name = "Partner API (GSMA Mobile Money API v1.2)"

    def ready(self) -> None:
        # Explicit registration, no signals: a customer's answer to a partner's request to pay
        # settles the partner's request state at once (the periodic sweep is the fallback).
        from gsma import auth, requeststates  # noqa: F401  (auth registers its schema extension)
        from wallets import outbox

        outbox.register("payment_request.answered", requeststates.on_payment_request_answered)
