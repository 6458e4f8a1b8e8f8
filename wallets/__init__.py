"""The ledger: customers, accounts, transactions, postings, holds, limits, fees and PINs.

`wallets.services` is the only code that changes a balance.
"""
