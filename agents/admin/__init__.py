"""The back office for agent operations (the Django admin).

Aggregators, agents, stores and assistants are editable data (statuses, limits, thresholds);
their balances are ledger accounts shown read-only, and the only money this admin moves is
the "issue float" action, through `agents.services.issue_aggregator_float`. A new aggregator
or agent gets its accounts from `agents.services.network.open_accounts`. PIN fields never
reach a page. The liquidity filter on agents lists those below their float or cash threshold.
"""

from agents.admin import network, people, review

__all__ = ["network", "people", "review"]
