"""Reconciliation on a generated day: every seeded break is found and nothing else is
flagged (the same generator `bench/reconciliation.py` times on a million lines), and the
cases the set-based comparison in SQL could get wrong, one by one.

The generated day runs in committed transactions (the statement's temporary table is dropped
on commit); the other tests run inside the test's transaction, as a caller's outer
transaction would hold reconcile, and some reconcile twice in it."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from bench.reconciliation import build_day
from operators import services
from operators.adapters.base import Outcome, StatementLine, Status
from operators.adapters.daraja import account_reference
from operators.models import BreakKind, Operator, OperatorRequest, RequestState
from operators.reconciliation import reconcile
from tests.conftest import balance, new_key

AMOUNT = 10_000


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_seeded_break_is_found_and_nothing_else_on_3000_lines():
    operator, day, statement, expected = build_day(3_000)
    run = reconcile(operator, day, statement)
    assert {(found.kind, found.reference) for found in run.found.all()} == expected
    assert run.matched == 3_000
    assert run.breaks == len(expected) == 40


@pytest.fixture
def daraja(db) -> Operator:
    return Operator.objects.create(
        code="mpesa-test",
        name="M-Pesa",
        kind="daraja",
        base_url="http://127.0.0.1:9/",
        callback_base_url="http://127.0.0.1:9/",
    )


def ours(operator, wallet, state=RequestState.FAILED, kind="collection", **fields):
    return OperatorRequest.objects.create(
        operator=operator,
        kind=kind,
        wallet=wallet,
        phone="+254712000001",
        amount=AMOUNT,
        currency="KES",
        idempotency_key=new_key("recon"),
        state=state,
        **fields,
    )


def line(reference, status=Status.FAILED, kind="collection", amount=AMOUNT) -> StatementLine:
    return StatementLine(
        operator_reference=f"OP{reference[:8]}",
        reference=reference,
        kind=kind,
        amount=amount,
        currency="KES",
        phone="254712000001",
        status=status,
        completed_at=timezone.now(),
    )


def test_a_daraja_collection_is_named_by_the_first_12_hex_digits_and_a_payout_in_full(
    daraja, alice
):
    collection = ours(daraja, alice)
    payout = ours(daraja, alice, kind="payout")
    key = account_reference(str(collection.reference))
    assert len(key) == 12
    statement = [line(key), line(str(payout.reference), kind="payout")]
    run = reconcile(daraja, timezone.localdate(), statement)
    assert (run.lines, run.matched, run.breaks) == (2, 2, 0)


def test_a_daraja_collection_named_in_full_is_not_recognised(daraja, alice):
    collection = ours(daraja, alice)
    statement = [line(str(collection.reference), status=Status.SUCCEEDED)]
    run = reconcile(daraja, timezone.localdate(), statement)
    assert [(found.kind, found.request) for found in run.found.all()] == [
        (BreakKind.MISSING_ON_OURS, None)
    ]


def test_a_duplicate_reference_keeps_the_statements_last_line(daraja, alice):
    agreeing_last = ours(daraja, alice, kind="payout")
    disagreeing_last = ours(daraja, alice, kind="payout")
    first, second = str(agreeing_last.reference), str(disagreeing_last.reference)
    statement = [
        line(first, Status.SUCCEEDED, kind="payout"),
        line(first, Status.FAILED, kind="payout"),
        line(second, Status.FAILED, kind="payout"),
        line(second, Status.SUCCEEDED, kind="payout"),
    ]
    run = reconcile(daraja, timezone.localdate(), statement)
    assert (run.lines, run.matched) == (2, 1)
    found = run.found.get()
    assert (found.kind, found.request, found.their_status) == (
        BreakKind.STATUS_MISMATCH,
        disagreeing_last,
        Status.SUCCEEDED,
    )


def test_a_reversal_line_does_not_stand_in_for_what_it_reversed(daraja, alice):
    payout = ours(daraja, alice, kind="payout")
    reference = str(payout.reference)
    statement = [
        line(reference, kind="payout"),
        line(reference, Status.SUCCEEDED, kind="reversal"),
        line("a-reversal-of-nothing-of-ours", Status.SUCCEEDED, kind="reversal"),
    ]
    run = reconcile(daraja, timezone.localdate(), statement)
    assert (run.lines, run.matched, run.breaks) == (1, 1, 0)


def test_a_pending_top_up_the_statement_reports_succeeded_is_credited(daraja, alice):
    top_up = ours(daraja, alice, state=RequestState.PENDING)
    key = account_reference(str(top_up.reference))
    run = reconcile(daraja, timezone.localdate(), [line(key, Status.SUCCEEDED)])
    assert (run.lines, run.matched, run.auto_resolved, run.breaks) == (1, 0, 1, 0)
    top_up.refresh_from_db()
    assert (top_up.state, top_up.operator_reference) == (RequestState.SUCCEEDED, f"OP{key[:8]}")
    assert balance(alice) == AMOUNT
    again = reconcile(daraja, timezone.localdate(), [line(key, Status.SUCCEEDED)])
    assert (again.matched, again.auto_resolved, again.breaks) == (1, 0, 0)
    assert balance(alice) == AMOUNT  # posted once


def test_a_pending_request_the_statement_reports_failed_is_failed(daraja, alice):
    payout = ours(daraja, alice, state=RequestState.UNKNOWN, kind="payout")
    statement = [line(str(payout.reference), Status.FAILED, kind="payout")]
    run = reconcile(daraja, timezone.localdate(), statement)
    assert (run.matched, run.auto_resolved, run.breaks) == (0, 1, 0)
    payout.refresh_from_db()
    assert payout.state == RequestState.FAILED


def test_a_late_completion_from_another_day_is_found_by_its_full_reference(daraja, alice):
    yesterday = timezone.now() - datetime.timedelta(days=1)
    late_payout = ours(daraja, alice, state=RequestState.UNKNOWN, kind="payout")
    failed_payout = ours(daraja, alice, kind="payout")
    OperatorRequest.objects.filter(pk__in=[late_payout.pk, failed_payout.pk]).update(
        created_at=yesterday
    )
    statement = [
        line(str(late_payout.reference), Status.FAILED, kind="payout"),
        line(str(failed_payout.reference), Status.SUCCEEDED, kind="payout"),
    ]
    run = reconcile(daraja, timezone.localdate(), statement)
    assert (run.lines, run.matched, run.auto_resolved) == (2, 0, 1)
    late_payout.refresh_from_db()
    assert late_payout.state == RequestState.FAILED
    found = run.found.get()
    assert (found.kind, found.request) == (BreakKind.STATUS_MISMATCH, failed_payout)


def test_our_success_left_off_the_statement_is_a_break_only_on_its_own_day(daraja, alice):
    top_up = ours(daraja, alice, state=RequestState.PENDING)
    services.apply_outcome(top_up, Outcome(Status.SUCCEEDED, amount=AMOUNT))
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert not reconcile(daraja, yesterday, []).found.exists()
    run = reconcile(daraja, timezone.localdate(), [])
    found = run.found.get()
    assert (found.kind, found.reference, found.request, found.our_amount) == (
        BreakKind.MISSING_ON_THEIRS,
        str(top_up.reference),
        top_up,
        AMOUNT,
    )


def test_a_second_run_in_the_same_transaction_adds_only_new_breaks(daraja, alice):
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        work_mem = cursor.fetchone()
    failed = ours(daraja, alice, kind="payout")
    statement = [
        line(str(failed.reference), Status.SUCCEEDED, kind="payout"),
        line("phantom-1", Status.SUCCEEDED),
    ]
    first = reconcile(daraja, timezone.localdate(), statement)
    assert first.found.count() == 2
    statement.append(line("phantom-2", Status.SUCCEEDED))
    second = reconcile(daraja, timezone.localdate(), iter(statement))  # a generator will do
    assert second.pk == first.pk
    assert sorted(second.found.values_list("reference", flat=True)) == sorted(
        [str(failed.reference), "phantom-1", "phantom-2"]
    )
    assert (second.lines, second.breaks) == (3, 3)
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone() == work_mem  # the caller's setting is put back
