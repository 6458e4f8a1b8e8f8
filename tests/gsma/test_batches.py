"""Bulk disbursements: per-line results for a batch of good and bad lines."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.utils import timezone

from gsma import batches
from gsma.models import Batch
from merchants.models import WebhookDelivery
from tests.conftest import balance, make_customer
from tests.gsma.conftest import assert_error


def line(phone, amount="10.00", currency="KES", reference=None):
    item = {
        "type": "disbursement",
        "amount": amount,
        "currency": currency,
        "creditParty": [{"key": "msisdn", "value": phone}],
        "debitParty": [{"key": "organisationid", "value": "1"}],
    }
    if reference:
        item["requestingOrganisationTransactionReference"] = reference
    return item


@pytest.fixture
def eager_celery():
    from config.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # the worker's streams use their own connections
def test_a_batch_with_good_and_bad_lines_gives_per_line_results(
    api, partner, alice, bob, eager_celery
):
    lines = [
        line("+254712000001", "10.00", reference="pay-1"),
        line("+254799999999"),  # no such customer
        line("+254712000002", "abc"),  # not an amount
        line("+254712000002", "20.00", currency="UGX"),  # another currency
        line("+254712000002", "30.00"),
    ]
    response = api.post(  # processed on commit, by the (eager) task
        "/batchtransactions",
        {"batchTitle": "Payroll", "transactions": lines},
        headers={"X-Callback-URL": "https://partner.example/batch"},
    )
    assert response.status_code == 202, response.content
    batch_id = response.json()["objectReference"]
    batch = api.get(f"/batchtransactions/{batch_id}").json()
    assert batch["batchStatus"] == "completed"
    assert (batch["completedCount"], batch["rejectionCount"], batch["parsingSuccessCount"]) == (
        2,
        3,
        3,
    )
    done = api.get(f"/batchtransactions/{batch_id}/completions?limit=1")
    assert done["X-Records-Available-Count"] == "2"
    assert len(done.json()) == 1
    assert done.json()[0]["requestingOrganisationTransactionReference"] == "pay-1"
    rejected = api.get(f"/batchtransactions/{batch_id}/rejections").json()
    assert [r["customData"][0]["value"] for r in rejected] == ["2", "3", "4"]
    assert balance(alice) == 1_000
    assert balance(bob) == 3_000
    state = api.get(f"/requeststates/{response.json()['serverCorrelationId']}").json()
    assert state["status"] == "completed"
    callback = WebhookDelivery.objects.get(url="https://partner.example/batch")
    assert (callback.method, callback.payload["completedCount"]) == ("PUT", 2)


def test_processing_a_batch_again_pays_no_line_twice(api, partner, alice):
    from merchants.models import Merchant

    state = batches.submit(
        merchant=Merchant.objects.get(pk=partner.pk),
        items=[line("+254712000001")] * 3,
        title="",
        description="",
        initiator="t",
        callback_url="",
        correlation_id=None,
    )
    batch = batches.process(state.batch_id)
    assert batch is not None
    Batch.objects.filter(pk=batch.pk).update(status="approved")
    batch.lines.update(state="pending")  # as if the worker died before recording the results
    batches.process(state.batch_id)
    assert balance(alice) == 3_000


def test_a_batch_over_10000_lines_is_refused(api, partner):
    make_customer("+254712000009", "X")
    response = api.post("/batchtransactions", {"transactions": [line("+254712000009")] * 10_001})
    assert_error(response, 400, "validation")


def test_a_batch_whose_task_was_lost_is_queued_again(partner, alice, monkeypatch):
    queued: list[str] = []
    monkeypatch.setattr(batches, "_queue", lambda batch_id: queued.append(str(batch_id)))
    state = batches.submit(
        merchant=partner,
        items=[line("0712000001", "10.00")],
        title="lost",
        description="",
        initiator="t",
        callback_url="",
        correlation_id=None,
    )
    queued.clear()
    assert batches.requeue_stalled() == 0  # just stored: its own task is on the way
    later = timezone.now() + batches.STALLED_AFTER + datetime.timedelta(seconds=1)
    assert batches.requeue_stalled(later) == 1
    assert queued == [str(state.batch_id)]
    batches.process(state.batch_id)
    assert batches.requeue_stalled(later) == 0  # completed


def test_a_task_for_a_batch_that_does_not_exist_does_nothing(db):
    assert batches.process(uuid.uuid4()) is None


def test_lines_are_copied_with_every_column_of_the_model():
    """Submission writes lines by COPY with its own column list: a field added to the model
    must be added there too, or its value would be lost."""
    from gsma.models import BatchLine

    columns = {field.column for field in BatchLine._meta.concrete_fields}
    assert set(batches._LINE_COLUMNS) == columns - {BatchLine._meta.pk.column}
