"""The scanner: a watermark read once, alerts deduplicated, safe to run twice or at once."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction

from compliance import alerts, engine, tasks
from compliance.models import Alert, AlertState, Watermark
from tests.compliance.conftest import KES, later, scan, send
from tests.threads import run_together
from wallets.models import Transaction


def velocity(only_rule):
    return only_rule(
        kind="velocity", scope="wallet", direction="out", window_minutes=60, count_threshold=2
    )


@pytest.mark.django_db
def test_a_second_scan_reads_nothing_new_and_adds_no_alert(only_rule, people):
    rule = velocity(only_rule)
    send(people["amani"], people["baraka"], 100 * KES)
    send(people["amani"], people["chiku"], 100 * KES)

    first = scan()
    second = scan()

    assert (first.transactions, first.opened) == (3, 1)  # the funding and two sends
    assert (second.transactions, second.opened, second.updated) == (0, 0, 0)
    assert Alert.objects.filter(rule=rule).count() == 1
    watermark = Watermark.objects.get(name=engine.STREAM)
    assert watermark.last_transaction_id == Transaction.objects.latest("id").pk


@pytest.mark.django_db
def test_a_new_hit_updates_the_open_alert_instead_of_adding_one(only_rule, people):
    rule = velocity(only_rule)
    send(people["amani"], people["baraka"], 100 * KES)
    send(people["amani"], people["chiku"], 100 * KES)
    scan()
    [alert] = Alert.objects.filter(rule=rule)

    send(people["amani"], people["dalia"], 100 * KES)
    result = scan()

    assert (result.opened, result.updated) == (0, 1)
    [again] = Alert.objects.filter(rule=rule)
    assert again.pk == alert.pk
    assert again.hits == 2
    assert again.detail["transactions"] == 3
    assert again.last_seen_at > alert.last_seen_at
    assert again.deadline == alert.deadline  # the clock runs from the first hit


@pytest.mark.django_db
def test_a_hit_after_the_alert_was_closed_opens_a_new_one(only_rule, people, django_user_model):
    rule = velocity(only_rule)
    staff = django_user_model.objects.create_user("nyokabi", is_staff=True)
    send(people["amani"], people["baraka"], 100 * KES)
    send(people["amani"], people["chiku"], 100 * KES)
    scan()
    alerts.close(
        alert=Alert.objects.get(rule=rule), staff=staff, note="known trader", escalated=False
    )

    send(people["amani"], people["dalia"], 100 * KES)
    scan()

    states = sorted(Alert.objects.filter(rule=rule).values_list("state", flat=True))
    assert states == [AlertState.CLOSED_NO_ACTION, AlertState.OPEN]


@pytest.mark.django_db
def test_the_deadline_comes_from_the_rules_severity(only_rule, people):
    rule = only_rule(
        kind="velocity",
        scope="wallet",
        direction="out",
        window_minutes=60,
        count_threshold=1,
        severity="high",
    )
    send(people["amani"], people["baraka"], 100 * KES)
    now = later()

    engine.scan(now=now)

    alert = Alert.objects.get(rule=rule)
    assert alert.deadline == now + datetime.timedelta(hours=24)


@pytest.mark.django_db
def test_transactions_younger_than_the_settle_time_wait_for_the_next_scan(only_rule, people):
    velocity(only_rule)
    send(people["amani"], people["baraka"], 100 * KES)
    posted = Transaction.objects.latest("id")

    early = engine.scan(now=posted.created_at + engine.SETTLE - datetime.timedelta(seconds=1))
    on_time = engine.scan(now=posted.created_at + engine.SETTLE)

    assert early.transactions == 0
    assert on_time.transactions == 2  # the funding and the send


@pytest.mark.django_db
def test_a_scan_reads_at_most_one_batch(only_rule, people):
    velocity(only_rule)
    for name in ["baraka", "chiku", "dalia"]:
        send(people["amani"], people[name], 100 * KES)

    first = scan(batch_size=2)
    rest = scan(batch_size=2)
    done = scan(batch_size=2)

    assert (first.transactions, first.caught_up) == (2, False)
    assert (rest.transactions, done.transactions) == (2, 0)


@pytest.mark.django_db
def test_a_rule_missing_a_parameter_is_skipped_not_guessed(only_rule, people):
    rule = velocity(only_rule)
    type(rule).objects.filter(pk=rule.pk).update(window_minutes=None)
    send(people["amani"], people["baraka"], 100 * KES)
    send(people["amani"], people["chiku"], 100 * KES)

    result = scan()

    assert result.transactions == 3
    assert Alert.objects.count() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_scan_finds_the_watermark_taken_by_another_and_does_nothing(only_rule, people):
    velocity(only_rule)
    send(people["amani"], people["baraka"], 100 * KES)
    send(people["amani"], people["chiku"], 100 * KES)
    Watermark.objects.get_or_create(name=engine.STREAM)

    with transaction.atomic():  # another scanner, mid-run, holds the watermark
        Watermark.objects.select_for_update().get(name=engine.STREAM)
        [other] = run_together(1, lambda _: engine.scan(now=later()))

    assert other.busy
    assert other.transactions == 0
    assert Alert.objects.count() == 0
    assert scan().opened == 1  # once the holder is gone


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_four_scanners_at_once_open_one_alert_and_read_each_transaction_once(only_rule, people):
    rule = velocity(only_rule)
    for name in ["baraka", "chiku", "dalia"]:
        send(people["amani"], people[name], 100 * KES)
    now = later()

    outcomes = run_together(4, lambda _: engine.scan(now=now))

    assert all(isinstance(outcome, engine.ScanResult) for outcome in outcomes), outcomes
    assert sum(outcome.transactions for outcome in outcomes) == 4  # funding and three sends
    assert Alert.objects.filter(rule=rule).count() == 1


@pytest.mark.django_db
def test_the_beat_runs_the_compliance_tasks_by_their_registered_names(settings):
    scheduled = {
        entry["task"]
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if name.startswith("compliance")
    }
    assert scheduled == {tasks.scan_postings.name, tasks.review_dormancy.name}
    assert tasks.scan_postings() == 0  # nothing has settled yet
    assert tasks.review_dormancy() == 0
    assert Watermark.objects.filter(name=engine.STREAM).exists()
