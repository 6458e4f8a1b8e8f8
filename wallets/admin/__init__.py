"""The back office for the ledger (the Django admin).

Ledger rows (accounts, transactions, postings, holds) are shown read-only: no add, change or
delete, so the admin offers no way to edit a balance; money moves only through
`wallets.services`, which the two actions here call (unlock a PIN, reverse a transaction).
Customers, tariffs and tier limits are editable data. Rules such as "bands are contiguous" live
in `wallets.forms`, not in these classes.
"""

from wallets.admin import customers, ledger, requests, rules

__all__ = ["customers", "ledger", "requests", "rules"]
