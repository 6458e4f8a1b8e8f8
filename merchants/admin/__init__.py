"""The back office for merchants and partners (the Django admin).

Merchants and their tills and pay-bills are onboarded here (`business`); their balances are
ledger accounts shown read-only, and nothing here moves money. Mandates (`mandates`) and
webhook deliveries (`integration`) are read-only with one action each (cancel, replay);
partner credentials are issued, rotated and revoked with their secret shown once;
settlements (`settlements`) are read-only. Every admin write and action is audited by the
audit app's hooks.
"""

from merchants.admin import business, integration, mandates, settlements

__all__ = ["business", "integration", "mandates", "settlements"]
