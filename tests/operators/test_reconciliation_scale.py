"""Reconciliation on a generated day: every seeded break is found and nothing else is
flagged (the same generator `bench/reconciliation.py` times on 100,000 lines)."""

from __future__ import annotations

import pytest

from bench.reconciliation import build_day
from operators.reconciliation import reconcile

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_every_seeded_break_is_found_and_nothing_else_on_3000_lines():
    operator, day, statement, expected = build_day(3_000)
    run = reconcile(operator, day, statement)
    assert {(found.kind, found.reference) for found in run.found.all()} == expected
    assert run.matched == 3_000
    assert run.breaks == len(expected) == 40
