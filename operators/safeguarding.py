"""Safeguarding: every unit of e-money we owe the public must be covered by money we hold.

Two comparisons per currency, run every minute by beat (`operators.tasks.check_safeguarding`):

1. The ledger: e-money outstanding (customer wallets, agent floats and commissions) against
   what the trust, issuance and settlement accounts say backs it. They differ by our own
   money (fee income) and suspense; a negative suspense (a loss booked while it is traced)
   or any ledger fault shows as a shortfall.
2. The outside world: the trust banks' latest statement balances (entered by finance, see
   `TrustBankBalance`) plus the money at each operator (our settlement mirrors, reconciled
   daily) against e-money outstanding.

A shortfall alerts at once (log at CRITICAL, e-mail to ADMINS, SMS to
SAFEGUARDING_ALERT_PHONES), and again only if it grows. Every run is stored with an HMAC
of its figures, so the report of any minute can be shown, and shown unaltered.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

from django.conf import settings
from django.core.mail import mail_admins
from django.db import connection
from django.db.models import Max

from operators.models import SafeguardingCheck, TrustBankBalance
from wallets.invariants import STORED_BALANCE
from wallets.models import Account, AccountKind
from wallets.models.ledger import BACKING_KINDS, E_MONEY_KINDS
from wallets.money import format_amount

logger = logging.getLogger(__name__)

# Built from a constant expression only, never from input.
BALANCES_BY_KIND = f"""
    SELECT a.kind, coalesce(sum({STORED_BALANCE}), 0) FROM wallets_account a
     WHERE a.currency = %s GROUP BY a.kind
"""  # noqa: S608


def currencies() -> list[str]:
    """Every currency in which we hold e-money."""
    held = Account.objects.filter(kind__in=E_MONEY_KINDS).values_list("currency", flat=True)
    return sorted(set(held.distinct()))


def check(currency: str) -> SafeguardingCheck:
    """Compare e-money outstanding with what backs it, store the report, alert on a gap."""
    with connection.cursor() as cursor:  # one statement: one snapshot of every balance
        cursor.execute(BALANCES_BY_KIND, [currency])
        by_kind = {kind: int(total) for kind, total in cursor.fetchall()}
    bank, bank_as_of = _bank_declared(currency)
    e_money = sum(by_kind.get(kind, 0) for kind in E_MONEY_KINDS)
    ledger_backing = -sum(by_kind.get(kind, 0) for kind in BACKING_KINDS)
    at_operators = -by_kind.get(AccountKind.SETTLEMENT, 0)
    trust_mirror = -(by_kind.get(AccountKind.TRUST, 0) + by_kind.get(AccountKind.ISSUANCE, 0))
    gaps = [e_money - ledger_backing]
    if bank is not None:
        gaps.append(e_money - (bank + at_operators))
    detail: dict[str, Any] = {
        "balances_by_kind": by_kind,
        "trust_mirror": trust_mirror,
        "bank_minus_trust_mirror": None if bank is None else bank - trust_mirror,
    }
    shortfall = max(0, *gaps)
    figures: dict[str, Any] = {
        "currency": currency,
        "e_money": e_money,
        "ledger_backing": ledger_backing,
        "at_operators": at_operators,
        "bank_declared": bank,
        "bank_as_of": bank_as_of.isoformat() if bank_as_of else None,
        "shortfall": shortfall,
    }
    previous = SafeguardingCheck.objects.filter(currency=currency).first()
    report = SafeguardingCheck.objects.create(
        currency=currency,
        e_money=e_money,
        ledger_backing=ledger_backing,
        at_operators=at_operators,
        bank_declared=bank,
        bank_as_of=bank_as_of,
        shortfall=shortfall,
        detail=detail,
        signature=sign(figures | {"detail": detail}),
    )
    if report.shortfall and (previous is None or previous.shortfall < report.shortfall):
        alert(report)
    return report


def _bank_declared(currency: str) -> tuple[int | None, Any]:
    """The sum of each trust bank's latest statement balance, and the oldest of those days."""
    latest = (
        TrustBankBalance.objects.filter(currency=currency)
        .values("bank")
        .annotate(last=Max("as_of"))
    )
    total, oldest = None, None
    for row in latest:
        entry = TrustBankBalance.objects.get(bank=row["bank"], currency=currency, as_of=row["last"])
        total = (total or 0) + entry.balance
        oldest = entry.as_of if oldest is None else min(oldest, entry.as_of)
    return total, oldest


def sign(figures: dict[str, Any]) -> str:
    message = json.dumps(figures, sort_keys=True, default=str).encode()
    key = f"safeguarding:{settings.SECRET_KEY}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def verify(report: SafeguardingCheck) -> bool:
    """Whether the stored report is the one the check wrote."""
    figures = {
        "currency": report.currency,
        "e_money": report.e_money,
        "ledger_backing": report.ledger_backing,
        "at_operators": report.at_operators,
        "bank_declared": report.bank_declared,
        "bank_as_of": report.bank_as_of.isoformat() if report.bank_as_of else None,
        "shortfall": report.shortfall,
        "detail": report.detail,
    }
    return hmac.compare_digest(sign(figures), report.signature)


def alert(report: SafeguardingCheck) -> None:
    from ussd.sms.services import queue_sms  # the SMS app sends; safeguarding only asks

    text = (
        f"SAFEGUARDING SHORTFALL {format_amount(report.shortfall, report.currency)}: e-money "
        f"{format_amount(report.e_money, report.currency)}, backing "
        f"{format_amount(report.ledger_backing, report.currency)}. Check #{report.pk}."
    )
    logger.critical(text)
    mail_admins("Safeguarding shortfall", text, fail_silently=True)
    for phone in settings.SAFEGUARDING_ALERT_PHONES:
        queue_sms(
            to=phone,
            text=text[:160],
            purpose="safeguarding",
            dedup_key=f"safeguarding:{report.pk}:{phone}",
            language="en",
        )
