"""Airtime bought from the USSD menu, delivered through Africa's Talking's Airtime API.

The wallet is debited by `wallets.services.buy_airtime` inside the hop; its
`transaction.posted` outbox row makes an `AirtimeRequest` here (`record_request`, registered
in `UssdConfig.ready`), and a Celery task asks Africa's Talking after commit. A definite
failure, or a transient one that outlives its retries, is refunded with a reversal, whose
SMS receipt the customer gets like any other.
"""
