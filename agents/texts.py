"""Every SMS text the agent network sends, marked for translation (catalog: agents/locale).

Receipts follow the customer receipts of `ussd.sms.receipts`: reference first, plain GSM-7
letters, one SMS; `{counterparty}` is a name the renderer shortens until the text fits.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Translators: every text here is one SMS: at most 160 characters, plain letters only (GSM-7).
CUSTOMER_CASH_OUT = _(
    "{reference} Confirmed. {amount} withdrawn from {counterparty} on {date} at {time}. "
    "Fee {fee}. New balance {balance}."
)
CUSTOMER_CASH_IN = _(
    "{reference} Confirmed. {amount} deposited to your account at {counterparty} on {date} "
    "at {time}. New balance {balance}."
)
# Translators: {counterparty} is the agent's business name followed by this.
STORE = _("store {number}")
AGENT_CASH_OUT = _(
    "{reference} Confirmed. Give {amount} cash to {counterparty} on {date} at {time}. "
    "Commission {commission}. New float {balance}."
)
AGENT_CASH_IN = _(
    "{reference} Confirmed. {amount} deposited to {counterparty} on {date} at {time}. "
    "Commission {commission}. New float {balance}."
)
FLOAT_BOUGHT = _(
    "{reference} Confirmed. {amount} float bought from {counterparty} on {date} at {time}. "
    "New float {balance}."
)
# Translators: {operator} is e.g. M-Pesa or MTN MoMo: the agent paid from its own account there.
FLOAT_FROM_OPERATOR = _(
    "{reference} Confirmed. {amount} float bought from your {operator} on {date} at {time}. "
    "New float {balance}."
)
FLOAT_SOLD = _(
    "{reference} Confirmed. {amount} float sold to agent {counterparty} on {date} at {time}. "
    "New float {balance}."
)
FLOAT_RETURNED = _(
    "{reference} Confirmed. {amount} float returned to {counterparty} on {date} at {time}. "
    "New float {balance}."
)
FLOAT_TAKEN_BACK = _(
    "{reference} Confirmed. {amount} float returned by agent {counterparty} on {date} at "
    "{time}. New float {balance}."
)
FLOAT_ISSUED = _(
    "{reference} Confirmed. {amount} float issued to you on {date} at {time}. New float {balance}."
)
COMMISSION_MOVED = _(
    "{reference} Confirmed. {amount} commission moved to your float on {date} at {time}. "
    "New float {balance}. Commission left {commission}."
)
LOW_FLOAT = _(
    "Low float: agent {agent_number} has {balance} float, below your alert level of "
    "{threshold}. Buy float to keep serving deposits."
)
LOW_CASH = _(
    "Low cash: store {store_number} should have {cash} in the drawer, below your alert level "
    "of {threshold}. Get cash to keep serving withdrawals."
)
WELCOME = _(
    "Welcome {name}. Your mobile money account {phone} is open. Dial {code} to set your PIN "
    "and start."
)
COMMISSION_STATEMENT = _(
    "Agent {agent_number} commission for {month}: {cash_in_count} deposits {cash_in}, "
    "{cash_out_count} withdrawals {cash_out}. Total {total}. Withheld {withheld}."
)
