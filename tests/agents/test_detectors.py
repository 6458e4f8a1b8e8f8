"""The split-transaction and velocity rules on synthetic sequences (no database)."""

from __future__ import annotations

import datetime

import pytest

from agents.detectors import (
    CASH_IN_CUSTOMERS,
    CUSTOMER_OPERATIONS,
    Band,
    Operation,
    Part,
    Schedule,
    split_commission,
    velocity_breaches,
)

# The withdrawal commission bands of the seeded table, in shillings (KES 1 = 1 here).
WITHDRAWALS = Schedule((
    Band(50, 100, 5),
    Band(101, 500, 8),
    Band(501, 1_000, 10),
    Band(1_001, 1_500, 12),
    Band(1_501, 2_500, 15),
    Band(2_501, 3_500, 20),
    Band(3_501, 5_000, 25),
    Band(5_001, 7_500, 30),
))  # fmt: skip


def test_a_single_operation_earns_its_band():
    decision = split_commission(amount=1_000, earlier=[], schedule=WITHDRAWALS)
    assert (decision.full, decision.paid, decision.withheld, decision.is_split) == (
        10,
        10,
        0,
        False,
    )


def test_two_halves_crossing_a_band_earn_what_the_whole_would_have():
    # 2,000 at once earns 15; as 1,000 + 1,000 the second part may earn only 15 - 10 = 5.
    decision = split_commission(
        amount=1_000, earlier=[Part(1_000, 10, "FIRSTPART1")], schedule=WITHDRAWALS
    )
    assert (decision.full, decision.paid, decision.withheld) == (10, 5, 5)
    assert (decision.combined, decision.parts) == (2_000, ("FIRSTPART1",))


def test_a_third_part_is_held_to_the_band_of_all_three():
    # 3,000 earns 20; the first two parts earned 10 + 5.
    earlier = [Part(1_000, 10, "A"), Part(1_000, 5, "B")]
    decision = split_commission(amount=1_000, earlier=earlier, schedule=WITHDRAWALS)
    assert (decision.paid, decision.withheld, decision.parts) == (5, 5, ("A", "B"))


def test_parts_that_stay_in_one_band_are_not_a_split():
    decision = split_commission(amount=200, earlier=[Part(200, 8)], schedule=WITHDRAWALS)
    assert (decision.paid, decision.is_split, decision.parts) == (8, False, ())


def test_a_small_then_a_large_operation_pays_in_full_when_the_total_earns_as_much():
    # 100 then 5,000: 5,100 earns 30 = 5 already paid + 25 for 5,000 alone.
    decision = split_commission(amount=5_000, earlier=[Part(100, 5)], schedule=WITHDRAWALS)
    assert (decision.paid, decision.is_split) == (25, False)


def test_the_commission_withheld_never_makes_the_payment_negative():
    # Parts that were paid in full (before the rule, or undetected) already exceed the total.
    earlier = [Part(1_000, 10), Part(1_000, 10), Part(1_000, 10)]
    decision = split_commission(amount=1_000, earlier=earlier, schedule=WITHDRAWALS)
    assert (decision.paid, decision.withheld) == (0, 10)


def test_a_total_past_the_top_band_counts_as_the_top_band():
    earlier = [Part(5_000, 25), Part(5_000, 5)]
    decision = split_commission(amount=5_000, earlier=earlier, schedule=WITHDRAWALS)
    assert decision.combined == 15_000
    assert (decision.paid, decision.withheld) == (0, 25)  # top band 30 - 30 already paid


def test_an_amount_outside_the_schedule_is_the_callers_error():
    with pytest.raises(ValueError, match="outside"):
        split_commission(amount=49, earlier=[], schedule=WITHDRAWALS)


NOON = datetime.datetime(2026, 11, 24, 12, 0, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)


def op(minutes: float, customer: int, kind: str = "cash_in", day: int = 24) -> Operation:
    return Operation(
        at=NOON + datetime.timedelta(minutes=minutes),
        day=datetime.date(2026, 11, day),
        customer_id=customer,
        kind=kind,
    )


def breaches(operations, latest, **limits):
    limits = {"max_cash_in_customers": 10, "max_customer_operations": 10} | limits
    return velocity_breaches(operations, latest=latest, window=HOUR, **limits)


def test_eleven_customers_served_cash_ins_within_an_hour_is_velocity():
    operations = [op(minute * 5, customer) for customer, minute in enumerate(range(11))]
    found = breaches(operations, operations[-1])
    assert [(b.rule, b.count, b.limit) for b in found] == [(CASH_IN_CUSTOMERS, 11, 10)]


def test_the_same_eleven_spread_over_more_than_an_hour_are_not():
    operations = [op(minute * 6.1, customer) for customer, minute in enumerate(range(11))]
    assert breaches(operations, operations[-1]) == []


def test_ten_customers_or_repeat_customers_are_within_the_rule():
    ten = [op(minute, customer) for customer, minute in enumerate(range(10))]
    repeats = [*ten, op(20, 3), op(21, 4)]
    assert breaches(ten, ten[-1]) == []
    assert breaches(repeats, repeats[-1]) == []


def test_cash_outs_do_not_count_toward_the_cash_in_rule():
    operations = [op(minute, customer, "cash_out") for customer, minute in enumerate(range(11))]
    assert breaches(operations, operations[-1]) == []


def test_more_than_ten_operations_for_one_customer_in_a_day_is_velocity():
    operations = [
        op(minute * 50, 7, "cash_out" if minute % 2 else "cash_in") for minute in range(11)
    ]
    found = breaches(operations, operations[-1])
    assert [(b.rule, b.count, b.customer_id) for b in found] == [(CUSTOMER_OPERATIONS, 11, 7)]


def test_operations_on_another_day_are_not_counted_for_today():
    yesterday = [op(-60 * 13 + minute, 7, day=23) for minute in range(6)]
    today = [op(minute, 7) for minute in range(6)]
    assert breaches(yesterday + today, today[-1]) == []


def test_both_rules_can_break_at_once_with_lower_limits():
    operations = [op(1, 1), op(2, 2), op(3, 3), op(4, 3)]
    found = breaches(operations, operations[-1], max_cash_in_customers=2, max_customer_operations=1)
    assert {b.rule for b in found} == {CASH_IN_CUSTOMERS, CUSTOMER_OPERATIONS}
