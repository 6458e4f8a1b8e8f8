"""The simulator's settings, and the money arithmetic of the wire formats it speaks.

Everything an operator would configure on its side (credentials, the customers' starting
balances, how long a customer takes to answer the PIN prompt) is a field here, so that a test
can start a simulator that behaves differently without patching anything. The defaults match
`settings.OPERATOR_DEFAULT_CREDENTIALS`, so `make run` works with no setup.

Amounts inside the simulator are integers of minor units, as in our ledger. Daraja carries
whole shillings and MoMo carries decimal strings; the helpers at the bottom are the only place
that converts between those and minor units.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

OPERATORS = ("mpesa", "momo")

# ISO 4217 exponents; currencies not listed have two decimal places.
_EXPONENTS = {"UGX": 0, "RWF": 0, "XOF": 0, "XAF": 0, "GNF": 0, "BIF": 0, "KMF": 0}


@dataclass
class SimulatorConfig:
    host: str = "127.0.0.1"
    port: int = 0
    state_file: Path | None = None
    # Seconds between the acknowledgement and the outcome (the customer entering the PIN):
    # while it runs, an STK query answers "being processed" and a MoMo GET says PENDING.
    complete_after: float = 0.2
    # How long an outgoing callback may take before the simulator gives up (never retried).
    callback_timeout: float = 5.0
    token_seconds: int = 3600
    utc_offset_hours: int = 3  # statements and Daraja timestamps are in Nairobi time (EAT)
    mpesa_currency: str = "KES"
    momo_currency: str = "KES"
    business_balance: int = 100_000_000  # minor units: KES 1,000,000 at each operator
    customer_balance: int = 10_000_000  # minor units: KES 100,000 for a customer first seen
    mpesa_consumer_key: str = "sim-key"
    mpesa_consumer_secret: str = "sim-secret"  # noqa: S105 (the simulator's published default)
    # STK Password = base64(BusinessShortCode + passkey + Timestamp); None: not checked.
    mpesa_passkey: str | None = "sim-passkey"
    # B2C, status, balance and reversal check these; a mismatch fails with ResultCode 2001.
    mpesa_initiator_name: str = "sim-initiator"
    mpesa_security_credential: str = "sim-credential"
    momo_api_user: str = "sim-user"
    momo_api_key: str = "sim-api-key"
    momo_subscription_key: str = "sim-subscription"
    momo_target_environment: str = "sandbox"

    @property
    def timezone(self) -> datetime.timezone:
        return datetime.timezone(datetime.timedelta(hours=self.utc_offset_hours))

    def currency(self, operator: str) -> str:
        return self.mpesa_currency if operator == "mpesa" else self.momo_currency

    def now(self) -> datetime.datetime:
        return datetime.datetime.now(self.timezone)


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


_DECIMAL = re.compile(r"^(\d+)(?:\.(\d+))?$")


def parse_decimal(text: object, currency: str) -> int | None:
    """MoMo's "100" or "100.50" as minor units; None if it is not a positive amount."""
    if isinstance(text, bool) or not isinstance(text, str | int):
        return None
    match = _DECIMAL.match(str(text).strip())
    if match is None:
        return None
    digits = exponent(currency)
    whole, fraction = match.group(1), (match.group(2) or "").rstrip("0")
    if len(fraction) > digits:
        return None
    amount = int(whole) * 10**digits + int(fraction.ljust(digits, "0") or "0")
    return amount if amount > 0 else None


def format_decimal(amount: int, currency: str) -> str:
    """Minor units as MoMo writes them: "100" when whole, "100.50" otherwise."""
    digits = exponent(currency)
    whole, fraction = divmod(amount, 10**digits)
    return str(whole) if fraction == 0 else f"{whole}.{fraction:0{digits}d}"


def format_fixed(amount: int, currency: str) -> str:
    """Minor units with every decimal place, as in Daraja's balance strings: "1000.00"."""
    digits = exponent(currency)
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(amount), 10**digits)
    return f"{sign}{whole}.{fraction:0{digits}d}" if digits else f"{sign}{whole}"


def parse_whole(value: object, currency: str) -> int | None:
    """Daraja's `Amount` (a whole number, sent as a number or a string) as minor units."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or value <= 0:
        return None
    return value * 10 ** exponent(currency)


def wire_number(amount: int, currency: str) -> int | float:
    """Minor units as a JSON number of major units, the way Daraja's Results carry balances.
    A float only ever leaves the simulator on the wire; nothing is computed with it."""
    digits = exponent(currency)
    whole, fraction = divmod(amount, 10**digits)
    return whole if fraction == 0 else float(format_fixed(amount, currency))


def whole_units(amount: int, currency: str) -> int:
    """Minor units as Daraja's whole shillings (cents are never moved through Daraja)."""
    return amount // 10 ** exponent(currency)
