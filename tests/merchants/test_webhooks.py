"""Outbound webhooks: signed, retried with backoff until they give up, replayable from the
admin, and never sent twice at once by concurrent deliverers."""

from __future__ import annotations

import datetime
import json
import time
from collections import Counter

import pytest
import requests
import responses
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditRecord
from merchants import signing, webhooks
from merchants.models import Merchant, WebhookDelivery, WebhookState
from tests.threads import run_together

URL = "https://hooks.example.com/agentnet"


@pytest.fixture(autouse=True)
def kicks(monkeypatch) -> list[int]:
    """Count the on-commit kicks instead of queueing Celery messages."""
    calls: list[int] = []
    monkeypatch.setattr(webhooks, "kick", lambda: calls.append(1))
    return calls


@pytest.fixture
def hooked(duka: Merchant) -> Merchant:
    duka.webhook_url = URL
    duka.save(update_fields=["webhook_url"])
    return duka


def queue(merchant: Merchant, n: int = 1) -> WebhookDelivery:
    delivery = webhooks.enqueue(
        merchant=merchant,
        event="payment.received",
        event_id=f"txn:TEST{n}:payment.received",
        payload={"transaction_reference": f"TEST{n}", "amount": 2_000, "currency": "KES"},
    )
    assert delivery is not None
    return delivery


def make_due() -> None:
    WebhookDelivery.objects.filter(state=WebhookState.PENDING).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def test_a_signature_verifies_only_the_same_body_with_the_same_secret_in_time():
    body = b'{"amount":2000}'
    header = signing.sign("s3cret", body, timestamp=1_700_000_000)
    now = 1_700_000_100
    assert webhooks.verify_signature("s3cret", header, body, now=now)
    assert webhooks.verify_signature("s3cret", header, body.decode(), now=now)
    assert not webhooks.verify_signature("other", header, body, now=now)
    assert not webhooks.verify_signature("s3cret", header, b'{"amount":2001}', now=now)
    assert not webhooks.verify_signature("s3cret", header, body, now=now + 400)  # replayed late
    assert not webhooks.verify_signature("s3cret", "", body, now=now)
    assert not webhooks.verify_signature("s3cret", "t=abc,v1=", body, now=now)


def test_a_receiver_accepts_any_of_several_signatures_while_a_secret_is_rotated():
    body = b"{}"
    t = int(time.time())
    header = f"t={t},v1={'0' * 64},v1={signing.signature('new', t, body)}"
    assert webhooks.verify_signature("new", header, body)


def test_without_a_url_nothing_is_queued_and_one_event_id_queues_one_row(duka, kicks):
    assert webhooks.enqueue(merchant=duka, event="x", event_id="e1", payload={}) is None
    duka.webhook_url = URL
    first = queue(duka)
    again = queue(duka)
    assert again.pk == first.pk
    assert WebhookDelivery.objects.count() == 1


def test_a_url_that_is_not_http_is_refused(duka):
    with pytest.raises(ValueError, match="http or https"):
        webhooks.enqueue(
            merchant=duka, event="x", event_id="e1", payload={}, url="file:///etc/passwd"
        )


def test_a_new_webhook_asks_a_worker_to_deliver_it_after_commit(
    hooked, kicks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        queue(hooked)
        queue(hooked)  # the same event: no second kick
    assert kicks == [1]


@responses.activate
def test_a_delivery_is_a_signed_json_post_with_the_event_headers(hooked):
    responses.add(responses.POST, URL, status=204)
    delivery = queue(hooked)
    assert webhooks.deliver_due() == 1
    call = responses.calls[0].request
    body = call.body
    assert isinstance(body, bytes)
    assert json.loads(body) == delivery.payload
    assert call.headers["Content-Type"] == "application/json"
    assert call.headers["X-Event-Id"] == "txn:TEST1:payment.received"
    assert call.headers["X-Event"] == "payment.received"
    assert str(call.headers["X-Date"]).endswith("GMT")
    assert webhooks.verify_signature(hooked.webhook_secret, str(call.headers["X-Signature"]), body)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 1, 204)
    assert delivery.delivered_at is not None


@responses.activate
def test_a_failed_attempt_is_retried_after_a_backoff_and_then_delivered(hooked):
    responses.add(responses.POST, URL, status=500)
    responses.add(responses.POST, URL, status=200)
    delivery = queue(hooked)
    before = timezone.now()
    assert webhooks.deliver_due() == 0
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("pending", 1, 500)
    assert delivery.last_error == "HTTP 500"
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert 24 <= wait <= 37  # 30 s, give or take the jitter
    assert webhooks.deliver_due() == 0  # not due yet: nothing is sent
    assert len(responses.calls) == 1
    make_due()
    assert webhooks.deliver_due() == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 2, 200)


def test_the_backoff_doubles_and_is_capped_at_an_hour():
    assert 24 <= webhooks.backoff(1) <= 36
    assert 48 <= webhooks.backoff(2) <= 72
    assert 0.8 * 3600 <= webhooks.backoff(9) <= 1.2 * 3600
    assert webhooks.backoff(30) <= 1.2 * 3600


@responses.activate
def test_an_unreachable_server_counts_as_an_attempt(hooked):
    responses.add(responses.POST, URL, body=requests.ConnectionError("refused"))
    delivery = queue(hooked)
    webhooks.deliver_due()
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status) == (1, None)
    assert delivery.last_error.startswith("ConnectionError")


@responses.activate
def test_after_the_last_attempt_the_delivery_gives_up(hooked):
    responses.add(responses.POST, URL, status=503)
    delivery = queue(hooked)
    for _ in range(webhooks.MAX_ATTEMPTS):
        make_due()
        webhooks.deliver_due()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("failed", webhooks.MAX_ATTEMPTS)
    make_due()
    webhooks.deliver_due()
    assert len(responses.calls) == webhooks.MAX_ATTEMPTS


def test_a_claimed_delivery_is_leased_and_a_stale_answer_is_not_recorded(hooked):
    delivery = queue(hooked)
    claimed = webhooks.claim_due(10)
    assert [row.pk for row in claimed] == [delivery.pk]
    assert webhooks.claim_due(10) == []  # leased: not due for anyone else
    webhooks.record(claimed[0], webhooks.Attempt(200))
    webhooks.record(claimed[0], webhooks.Attempt(500, "HTTP 500"))  # a late, stale answer
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 1, 200)


@responses.activate
def test_staff_replay_a_failed_webhook_from_the_admin_and_it_is_audited(hooked, admin_client):
    responses.add(responses.POST, URL, status=200)
    delivery = queue(hooked)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state="failed", attempts=10)
    page = reverse("admin:merchants_webhookdelivery_changelist")
    response = admin_client.post(page, {"action": "replay", "_selected_action": [delivery.pk]})
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("pending", 0)
    record = AuditRecord.objects.get(action="replay")
    assert record.object_id == str(delivery.pk)
    assert ((record.before or {})["state"], (record.after or {})["state"]) == ("failed", "pending")
    assert webhooks.deliver_due() == 1
    delivery.refresh_from_db()
    assert delivery.state == "delivered"


def test_a_pending_webhook_is_not_replayed(hooked):
    assert webhooks.replay(queue(hooked)) is False


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_deliverers_send_each_webhook_once(hooked):
    deliveries = [queue(hooked, n) for n in range(40)]
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, URL, status=200)
        outcomes = run_together(4, lambda _: webhooks.deliver_due(claim=3))
        sent = Counter(call.request.headers["X-Event-Id"] for call in mock.calls)
    assert sum(outcomes) == 40, outcomes
    assert set(sent.values()) == {1}
    assert len(sent) == len(deliveries)
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"delivered"}


@responses.activate
def test_the_beat_task_delivers_what_is_due(hooked):
    from merchants.tasks import deliver_webhooks

    responses.add(responses.POST, URL, status=200)
    queue(hooked, 1)
    queue(hooked, 2)
    assert deliver_webhooks() == 2


@responses.activate
def test_extra_headers_go_with_the_call_but_cannot_replace_the_signature(hooked):
    delivery = webhooks.enqueue(
        merchant=hooked,
        event="gsma.merchantpay.completed",
        event_id="gsma:extra-headers",
        payload={"amount": "1.00"},
        headers={"X-CorrelationID": "c0ffee", "X-Signature": "forged"},
    )
    assert delivery is not None
    responses.add(responses.POST, URL, status=200)
    webhooks.send(delivery)
    sent = responses.calls[0].request.headers
    assert sent["X-CorrelationID"] == "c0ffee"
    assert sent["X-Signature"] != "forged"
    signature = str(sent["X-Signature"])
    assert signing.verify_signature(hooked.webhook_secret, signature, b'{"amount":"1.00"}')
