"""Fee bands and KYC-tier limits at their edges, with the seeded Kenyan figures (KES 1 = 100)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.conftest import balance, new_key
from wallets import errors, services
from wallets.models import (
    Account,
    AccountKind,
    KycTier,
    Tariff,
    TariffBand,
    TierLimit,
    Transaction,
    TransactionKind,
)

pytestmark = pytest.mark.django_db

KES = 100
SEND = TransactionKind.SEND_MONEY


def send(sender: Account, recipient: Account, amount: int) -> Transaction:
    return services.send_money(
        sender=sender, recipient=recipient, amount=amount, idempotency_key=new_key()
    )


def sends_by(wallet: Account) -> int:
    return Transaction.objects.filter(kind=SEND, postings__debit_account=wallet).distinct().count()


def yesterday() -> datetime.datetime:
    # Earlier than the test's database transaction, whose now() is fixed when it begins.
    return timezone.now() - datetime.timedelta(days=1)


def tomorrow() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=1)


def small_tier1_limits(**figures: int | None) -> TierLimit:
    """A tier 1 schedule in force since yesterday, with figures small enough to reach."""
    values: dict[str, int | None] = {
        "min_amount": 10 * KES,
        "max_per_transaction": 1_000 * KES,
        "max_daily": 3_000 * KES,
        "max_monthly": None,
        "max_balance": None,
    }
    values.update(figures)
    return TierLimit.objects.create(
        tier=KycTier.TIER_1, currency="KES", effective_from=yesterday(), **values
    )


def on_day(monkeypatch: pytest.MonkeyPatch, day: datetime.date) -> None:
    """Make the posting count toward `day`'s and its month's totals."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)


def at(monkeypatch: pytest.MonkeyPatch, moment: datetime.datetime) -> None:
    """Set the application's clock (the database's now() stays the test's real start)."""
    monkeypatch.setattr(timezone, "now", lambda: moment)


# --- fees ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "fee"),
    [
        (1 * KES, 0),  # KES 1: the free band starts
        (100 * KES, 0),  # KES 100: the free band ends
        (100 * KES + 1, 7 * KES),  # KES 100.01 is in the 101-500 band
        (500 * KES, 7 * KES),
        (500 * KES + 1, 13 * KES),  # KES 500.01
        (1_000 * KES, 13 * KES),
        (1_000 * KES + 1, 23 * KES),
        (50_000 * KES, 108 * KES),
        (50_001 * KES, 108 * KES),
        (250_000 * KES, 108 * KES),  # the top of the top band
    ],
)
def test_the_kenyan_send_money_fee_at_each_band_edge(amount, fee):
    assert services.fee_for(SEND, "KES", amount) == fee


@pytest.mark.parametrize("amount", [250_000 * KES + 1, 1_000_000 * KES, KES - 1])
def test_an_amount_outside_every_band_has_no_tariff(amount):
    with pytest.raises(errors.NoTariff):
        services.fee_for(SEND, "KES", amount)


def test_a_currency_without_a_tariff_has_no_fee(db):
    with pytest.raises(errors.NoTariff):
        services.fee_for(SEND, "TZS", 10_000)


@pytest.mark.parametrize("amount", [100 * KES, 100 * KES + 1, 500 * KES + 1, 50_001 * KES])
def test_the_fee_shown_before_the_pin_is_the_fee_charged(alice, bob, fund, amount):
    fund(alice, 100_000 * KES)
    shown = services.fee_for(SEND, "KES", amount)

    sent = send(alice, bob, amount)

    assert sent.fee == shown
    assert balance(alice) == 100_000 * KES - amount - shown


def _tariff(effective_from: datetime.datetime, fee: int) -> Tariff:
    tariff = Tariff.objects.create(kind=SEND, currency="KES", effective_from=effective_from)
    TariffBand.objects.create(tariff=tariff, min_amount=1, max_amount=300_000 * KES, fee=fee)
    return tariff


def test_a_newer_tariff_in_force_takes_over_and_a_future_one_does_not(alice, bob, fund):
    _tariff(yesterday(), fee=5 * KES)
    _tariff(tomorrow(), fee=99 * KES)
    fund(alice, 1_000 * KES)

    assert services.fee_for(SEND, "KES", 50 * KES) == 5 * KES  # free under the 2023 schedule
    sent = send(alice, bob, 50 * KES)

    assert sent.fee == 5 * KES
    assert balance(alice) == 1_000 * KES - 55 * KES


# --- limits per transaction ---------------------------------------------------------------


def test_the_seeded_tier_1_limits_are_the_cbk_figures(alice):
    limits = services.limits_for(alice)
    assert limits is not None
    assert limits.min_amount == 1 * KES
    assert limits.max_per_transaction == 250_000 * KES
    assert limits.max_daily == 500_000 * KES
    assert limits.max_monthly is None
    assert limits.max_balance == 500_000 * KES


def test_tier_0_has_no_limits(db):
    from tests.conftest import make_customer

    wallet = make_customer("+254712000009", "Dan Kamau", kyc_tier=KycTier.TIER_0).wallet()
    assert services.limits_for(wallet) is None


def test_an_amount_below_the_minimum_is_refused(alice, bob, fund):
    fund(alice, 1_000 * KES)

    with pytest.raises(errors.BelowMinimum):
        send(alice, bob, KES - 1)  # KES 0.99; the minimum is KES 1

    send(alice, bob, KES)
    assert balance(bob) == KES


def test_exactly_the_per_transaction_limit_passes_and_one_cent_more_fails(alice, bob, fund):
    fund(alice, 500_000 * KES)

    with pytest.raises(errors.PerTransactionLimit):
        send(alice, bob, 250_000 * KES + 1)
    assert balance(alice) == 500_000 * KES

    send(alice, bob, 250_000 * KES)
    assert balance(bob) == 250_000 * KES
    assert balance(alice) == 500_000 * KES - 250_000 * KES - 108 * KES


def test_a_limit_is_checked_before_the_tariff(alice, bob, fund):
    """KES 250,000.01 is above the top fee band too; the customer hears about the limit."""
    fund(alice, 10 * KES)
    with pytest.raises(errors.PerTransactionLimit):
        send(alice, bob, 250_000 * KES + 1)


# --- daily and monthly limits -------------------------------------------------------------


def test_sends_up_to_exactly_the_daily_limit_pass_and_the_next_one_fails(
    alice, bob, fund, monkeypatch
):
    small_tier1_limits(max_per_transaction=1_000 * KES, max_daily=3_000 * KES)
    fund(alice, 10_000 * KES)
    on_day(monkeypatch, datetime.date(2025, 3, 10))

    for amount in (1_000 * KES, 1_000 * KES, 600 * KES, 400 * KES):  # KES 3,000 in all
        send(alice, bob, amount)
    with pytest.raises(errors.DailyLimit):
        send(alice, bob, 10 * KES)

    assert balance(bob) == 3_000 * KES
    assert sends_by(alice) == 4


def test_the_daily_limit_counts_the_amount_not_the_fee(alice, bob, fund, monkeypatch):
    small_tier1_limits(max_per_transaction=1_000 * KES, max_daily=1_000 * KES)
    fund(alice, 2_000 * KES)
    on_day(monkeypatch, datetime.date(2025, 3, 10))

    sent = send(alice, bob, 1_000 * KES)  # KES 1,000 plus a KES 13 fee

    assert sent.fee == 13 * KES
    assert balance(bob) == 1_000 * KES


def test_the_daily_total_starts_again_on_a_new_day(alice, bob, fund, monkeypatch):
    small_tier1_limits(max_per_transaction=1_000 * KES, max_daily=1_000 * KES)
    fund(alice, 10_000 * KES)

    on_day(monkeypatch, datetime.date(2025, 3, 10))
    send(alice, bob, 1_000 * KES)
    with pytest.raises(errors.DailyLimit):
        send(alice, bob, 10 * KES)

    on_day(monkeypatch, datetime.date(2025, 3, 11))
    send(alice, bob, 1_000 * KES)

    assert balance(bob) == 2_000 * KES


def test_the_daily_window_turns_at_midnight_in_nairobi_not_utc(alice, bob, fund, monkeypatch):
    small_tier1_limits(max_per_transaction=1_000 * KES, max_daily=1_000 * KES)
    fund(alice, 10_000 * KES)
    utc = datetime.UTC

    at(monkeypatch, datetime.datetime(2025, 3, 10, 20, 59, tzinfo=utc))  # 23:59 in Nairobi
    send(alice, bob, 1_000 * KES)
    with pytest.raises(errors.DailyLimit):
        send(alice, bob, 10 * KES)

    at(monkeypatch, datetime.datetime(2025, 3, 10, 21, 1, tzinfo=utc))  # 00:01, same UTC date
    send(alice, bob, 1_000 * KES)

    assert balance(bob) == 2_000 * KES


def test_the_monthly_limit_spans_days_and_starts_again_next_month(alice, bob, fund, monkeypatch):
    small_tier1_limits(
        max_per_transaction=1_000 * KES, max_daily=1_000 * KES, max_monthly=2_500 * KES
    )
    fund(alice, 10_000 * KES)

    on_day(monkeypatch, datetime.date(2025, 3, 10))
    send(alice, bob, 1_000 * KES)
    on_day(monkeypatch, datetime.date(2025, 3, 11))
    send(alice, bob, 1_000 * KES)
    on_day(monkeypatch, datetime.date(2025, 3, 12))
    send(alice, bob, 500 * KES)  # KES 2,500 this month: exactly the limit
    with pytest.raises(errors.MonthlyLimit):
        send(alice, bob, 10 * KES)  # under the daily limit, over the monthly one

    on_day(monkeypatch, datetime.date(2025, 4, 1))
    send(alice, bob, 1_000 * KES)

    assert balance(bob) == 3_500 * KES
    assert sends_by(alice) == 4


def test_failed_sends_do_not_count_toward_the_daily_total(alice, bob, fund, monkeypatch):
    small_tier1_limits(max_per_transaction=1_000 * KES, max_daily=1_000 * KES)
    fund(alice, 500 * KES)
    on_day(monkeypatch, datetime.date(2025, 3, 10))

    with pytest.raises(errors.InsufficientFunds):
        send(alice, bob, 1_000 * KES)
    fund(alice, 1_000 * KES)
    send(alice, bob, 1_000 * KES)

    assert balance(bob) == 1_000 * KES


# --- the receiver's balance cap -----------------------------------------------------------


def test_a_recipient_may_reach_exactly_the_kes_500000_cap_but_not_pass_it(alice, bob, fund):
    fund(bob, 499_900 * KES)
    fund(alice, 1_000 * KES)

    send(alice, bob, 100 * KES)  # Bob at exactly KES 500,000
    assert balance(bob) == 500_000 * KES

    with pytest.raises(errors.ReceiverBalanceLimit):
        send(alice, bob, 1 * KES)
    assert balance(bob) == 500_000 * KES
    assert balance(alice) == 900 * KES


def test_funding_past_the_balance_cap_is_refused(alice, fund):
    with pytest.raises(errors.ReceiverBalanceLimit):
        fund(alice, 500_000 * KES + 1)
    assert balance(alice) == 0


# --- effective dates ----------------------------------------------------------------------


def test_a_newer_limit_row_takes_over_and_a_future_one_does_not(alice, bob, fund):
    fund(alice, 10_000 * KES)
    small_tier1_limits(max_per_transaction=1_000 * KES, max_daily=5_000 * KES)
    TierLimit.objects.create(
        tier=KycTier.TIER_1,
        currency="KES",
        effective_from=tomorrow(),
        min_amount=1 * KES,
        max_per_transaction=5_000 * KES,
        max_daily=5_000 * KES,
    )

    limits = services.limits_for(alice)
    assert limits is not None
    assert limits.max_per_transaction == 1_000 * KES
    with pytest.raises(errors.PerTransactionLimit):
        send(alice, bob, 1_000 * KES + 1)  # allowed by the 2023 row and by tomorrow's
    send(alice, bob, 1_000 * KES)
    assert balance(bob) == 1_000 * KES


def test_limits_belong_to_the_tier(alice, bob, fund):
    small_tier1_limits(max_per_transaction=1_000 * KES, max_daily=5_000 * KES)
    fund(bob, 10_000 * KES)
    bob.customer.kyc_tier = KycTier.TIER_2
    bob.customer.save(update_fields=["kyc_tier"])

    send(bob, alice, 5_000 * KES)  # tier 2 keeps the CBK figures

    assert balance(alice) == 5_000 * KES
    assert services.house_account(AccountKind.FEE_INCOME, "KES").current_balance() == 57 * KES
