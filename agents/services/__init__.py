"""The agent network's writes. Money moves only through `wallets.services` (one durable
posting per operation, with an idempotency key); these functions decide who may act, what
the operation earns and which accounts it touches.

Channels (USSD, API) verify the customer's or assistant's PIN with
`wallets.services.verify_pin` before calling a service that moves money; the services take
no PINs. Domain refusals are `agents.errors` (or `wallets.errors`), all `LedgerError`s.
"""

from agents.services.cash import (
    CashQuote,
    cash_in,
    cash_in_fingerprint,
    cash_out,
    cash_out_fingerprint,
    quote_cash_in,
    quote_cash_out,
)
from agents.services.codes import cash_out_with_code, create_withdrawal_code
from agents.services.devices import issue_device_token, revoke_devices
from agents.services.drawer import record_cash_count
from agents.services.flags import mark_reviewed
from agents.services.floats import (
    buy_float,
    buy_float_from_operator,
    issue_aggregator_float,
    move_commission,
    return_float,
)
from agents.services.network import (
    add_assistant,
    add_store,
    agent_statement,
    assistant_for_phone,
    create_agent,
    create_aggregator,
    find_store,
)
from agents.services.registration import register_customer_at_agent
from agents.services.statements import build_commission_statement
from agents.services.status import set_status

__all__ = [
    "CashQuote",
    "add_assistant",
    "add_store",
    "agent_statement",
    "assistant_for_phone",
    "build_commission_statement",
    "buy_float",
    "buy_float_from_operator",
    "cash_in",
    "cash_in_fingerprint",
    "cash_out",
    "cash_out_fingerprint",
    "cash_out_with_code",
    "create_agent",
    "create_aggregator",
    "create_withdrawal_code",
    "find_store",
    "issue_aggregator_float",
    "issue_device_token",
    "mark_reviewed",
    "move_commission",
    "quote_cash_in",
    "quote_cash_out",
    "record_cash_count",
    "register_customer_at_agent",
    "return_float",
    "revoke_devices",
    "set_status",
]
