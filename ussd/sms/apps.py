from __future__ import annotations

from django.apps import AppConfig


class SmsConfig(AppConfig):
    name = "ussd.sms"
    label = "sms"
    verbose_name = "SMS messages"

    def ready(self) -> None:
        # Explicit registration, no signals: every posting's outbox row queues its receipts.
        from django.core import checks

        from ussd.sms import notices
        from ussd.sms.business_receipts import queue_business_receipts
        from ussd.sms.checks import check_sms_settings
        from ussd.sms.receipts import queue_receipts
        from wallets import outbox

        outbox.register("transaction.posted", queue_receipts)
        outbox.register("transaction.posted", queue_business_receipts)
        outbox.register("reversal.requested", notices.reversal_requested)
        outbox.register("reversal.decided", notices.reversal_decided)
        outbox.register("payment_request.created", notices.payment_requested)
        outbox.register("payment_request.answered", notices.payment_answered)
        # A business asked for a mandate by API; merchants.services.create_mandate enqueues it.
        outbox.register("mandate.requested", notices.mandate_requested)
        checks.register(check_sms_settings)
