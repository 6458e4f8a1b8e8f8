"""CSV exports for finance: transactions, a wallet's statement, agents' commission statements.

- `streaming`: rows to CSV lines, streamed in batches (never the whole file in memory), with
  spreadsheet-formula injection neutralised;
- `sources`: the rows of each export, read through a server-side cursor in one snapshot;
- `forms`: the date range (and phone) with readable errors; `views`: the admin pages.

Money columns come twice: `*_minor` as the integer the ledger stores, and a plain decimal
string ("150.50") for people and spreadsheets.
"""
