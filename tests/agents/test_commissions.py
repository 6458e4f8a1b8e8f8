"""The seeded Kenyan commission tables: their band edges, contiguity and the head-office split."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from agents import services
from agents.detectors import divide
from agents.models import CommissionTable
from agents.services.commissions import schedule_for
from tests.agents.conftest import KES, balance_of
from tests.conftest import new_key
from wallets.forms import check_bands

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("amount", "commission"), [
    (50 * KES, 4 * KES),
    (100 * KES, 4 * KES),
    (100 * KES + 1, 8 * KES),
    (101 * KES, 8 * KES),
    (510 * KES, 8 * KES),
    (510 * KES + 1, 9 * KES),
    (511 * KES, 9 * KES),
    (1_010 * KES, 9 * KES),
    (1_011 * KES, 10 * KES),
    (20_020 * KES, 55 * KES),
    (20_021 * KES, 71 * KES),
    (45_021 * KES, 150 * KES),
    (50_020 * KES, 150 * KES),
    (50_021 * KES, 190 * KES),
    (150_000 * KES, 190 * KES),
    (250_000 * KES, 190 * KES),
])  # fmt: skip
def test_deposit_commission_band_edges(db, amount, commission):
    assert schedule_for("cash_in", "KES").commission(amount) == commission


@pytest.mark.parametrize(("amount", "commission"), [
    (50 * KES, 5 * KES),
    (100 * KES, 5 * KES),
    (101 * KES, 8 * KES),
    (500 * KES, 8 * KES),
    (501 * KES, 10 * KES),
    (1_000 * KES, 10 * KES),
    (1_001 * KES, 12 * KES),
    (20_001 * KES, 65 * KES),
    (250_000 * KES, 65 * KES),
])  # fmt: skip
def test_withdrawal_commission_band_edges(db, amount, commission):
    assert schedule_for("cash_out", "KES").commission(amount) == commission


@pytest.mark.parametrize("kind", ["cash_in", "cash_out"])
def test_every_amount_from_kes_50_to_250000_has_exactly_one_band(db, kind):
    table = CommissionTable.objects.get(kind=kind, currency="KES")
    bands = list(table.bands.values_list("min_amount", "max_amount"))
    check_bands(bands)  # contiguous, no overlap
    assert (bands[0][0], bands[-1][1]) == (50 * KES, 250_000 * KES)
    schedule = schedule_for(kind, "KES")
    assert schedule.commission(50 * KES - 1) is None
    assert schedule.commission(250_000 * KES + 1) is None


@pytest.mark.parametrize(("total", "share", "agent", "aggregator"), [
    (1_000, 2_000, 800, 200),
    (1_100, 2_000, 880, 220),
    (1_000, 3_333, 667, 333),  # the head office's share is rounded down
    (5, 2_000, 4, 1),
    (1_000, 0, 1_000, 0),
    (1_000, 10_000, 0, 1_000),
])  # fmt: skip
def test_the_head_office_takes_its_share_of_the_commission(total, share, agent, aggregator):
    shares = divide(total, share)
    assert (shares.agent, shares.aggregator, shares.total) == (agent, aggregator, total)


def test_a_head_office_with_a_30_percent_share_gets_it_on_a_deposit(network, wanjiku):
    type(network.aggregator).objects.filter(pk=network.aggregator.pk).update(commission_share=3_000)
    # KES 101 earns KES 8: KES 2.40 to the head office, KES 5.60 to the agent.
    services.cash_in(
        assistant=network.owner,
        phone="0700100101",
        amount=101 * KES,
        id_number="28451937",
        idempotency_key=new_key(),
        channel="ussd",
    )
    assert balance_of(network.aggregator.commission_account) == 240
    assert balance_of(network.agent.commission_account) == 560


def test_a_new_table_takes_over_from_its_effective_date(db):
    table = CommissionTable.objects.create(kind="cash_in", currency="KES")
    table.bands.create(min_amount=1, max_amount=250_000 * KES, commission=7)
    assert schedule_for("cash_in", "KES").commission(100 * KES) == 7
    past = timezone.now() - datetime.timedelta(days=1)
    assert schedule_for("cash_in", "KES", at=past).commission(100 * KES) == 4 * KES
