"""The back-office dashboard: today's business at a glance, inside the admin.

- `access`: who may see reports and exports (staff with the reports permissions);
- `ledger`: money figures read from the ledger (volume and value by kind, fees, commissions,
  the last 14 days, e-money outstanding and what backs it);
- `operations`: the queues and health figures (reconciliation breaks, compliance alerts,
  agents low on float, SMS delivery, the latest safeguarding check);
- `charts`: server-rendered SVG charts (no JavaScript, no CDN);
- `page`: the figures put together for the template; `views`: the admin page.

Every figure is an aggregate computed by PostgreSQL (GROUP BY, date truncation, window
counts), so the page makes the same small number of queries whatever the size of the ledger.
"""
