"""Safeguarding: e-money outstanding against what backs it; a shortfall alerts, once."""

from __future__ import annotations

import datetime
import logging

from django.core import mail

from operators import safeguarding
from operators.models import SafeguardingCheck, TrustBankBalance
from operators.tasks import check_safeguarding
from ussd.sms.models import SmsMessage
from wallets.models import AccountKind, Channel, TransactionKind
from wallets.services import house_account
from wallets.services.posting import Leg, post_transaction, request_hash

TODAY = datetime.date(2026, 11, 24)


def book_loss(amount: int) -> None:
    """What a break booked to suspense does when the operator paid out more than we asked."""
    suspense = house_account(AccountKind.SUSPENSE, "KES")
    settlement = house_account(AccountKind.SETTLEMENT, "KES", name="mpesa")
    post_transaction(
        kind=TransactionKind.ADJUSTMENT,
        idempotency_key=f"loss-{amount}",
        currency="KES",
        amount=amount,
        legs=[Leg(suspense, settlement, amount)],
        fingerprint=request_hash("loss", amount),
        channel=Channel.ADMIN,
    )


def test_money_issued_and_moved_between_wallets_is_covered(alice, bob, fund):
    fund(alice, 50_000)
    fund(bob, 20_000)
    report = safeguarding.check("KES")
    assert (report.e_money, report.ledger_backing, report.shortfall) == (70_000, 70_000, 0)
    assert report.bank_declared is None
    assert safeguarding.verify(report)


def test_a_loss_in_suspense_is_a_shortfall_that_alerts_once(alice, fund, settings, caplog):
    settings.SAFEGUARDING_ALERT_PHONES = ["+254700000999"]
    settings.ADMINS = [("Finance", "finance@example.com")]
    fund(alice, 50_000)
    book_loss(5_000)  # the operator paid 50 more than the customer was charged
    with caplog.at_level(logging.CRITICAL, logger="operators.safeguarding"):
        report = safeguarding.check("KES")
    assert report.shortfall == 5_000
    assert "SAFEGUARDING SHORTFALL KES 50" in caplog.text
    assert len(mail.outbox) == 1
    assert SmsMessage.objects.filter(to="+254700000999", purpose="safeguarding").count() == 1
    assert safeguarding.check("KES").shortfall == 5_000  # the same gap: no second alert
    assert len(mail.outbox) == 1
    assert SmsMessage.objects.filter(purpose="safeguarding").count() == 1
    book_loss(1_000)  # it grows: alert again
    assert safeguarding.check("KES").shortfall == 6_000
    assert len(mail.outbox) == 2


def test_a_trust_bank_holding_less_than_our_mirror_is_a_shortfall(alice, fund):
    fund(alice, 50_000)  # issued against cash the trust bank should hold
    TrustBankBalance.objects.create(bank="KCB trust", balance=30_000, as_of=TODAY)
    TrustBankBalance.objects.create(bank="KCB trust", balance=45_000, as_of=TODAY.replace(day=1))
    TrustBankBalance.objects.create(bank="Equity trust", balance=15_000, as_of=TODAY)
    report = safeguarding.check("KES")
    assert (report.bank_declared, report.bank_as_of) == (45_000, TODAY)  # latest of each
    assert report.shortfall == 5_000
    assert report.detail["bank_minus_trust_mirror"] == -5_000
    TrustBankBalance.objects.create(bank="KCB trust", balance=40_000, as_of=TODAY.replace(day=25))
    assert safeguarding.check("KES").shortfall == 0


def test_a_report_altered_afterwards_no_longer_verifies(alice, fund):
    fund(alice, 50_000)
    report = safeguarding.check("KES")
    SafeguardingCheck.objects.filter(pk=report.pk).update(e_money=1)
    report.refresh_from_db()
    assert not safeguarding.verify(report)


def test_the_beat_task_checks_every_currency_with_e_money(alice, fund):
    fund(alice, 50_000)
    book_loss(700)
    assert check_safeguarding() == 700
    assert SafeguardingCheck.objects.get().currency == "KES"
