"""Delivery reports from Africa's Talking: authenticated by the URL token, applied forward only."""

from __future__ import annotations

import pytest

from tests.sms.conftest import AT_SMS_URL, at_reply
from ussd.sms.models import DeliveryReport, SmsMessage
from ussd.sms.services import queue_sms, send_message

pytestmark = pytest.mark.django_db

BOB = "+254712000002"
TOKEN = "dev-only-sms-callback-token"


@pytest.fixture
def sent(africastalking) -> SmsMessage:
    """A message Africa's Talking accepted as ATXid_1."""
    africastalking.post(AT_SMS_URL, json=at_reply(101, "Success", BOB, "ATXid_1"), status=201)
    message = queue_sms(to=BOB, text="Hello Bob", purpose="test", dedup_key="k")
    send_message(message.pk)
    message.refresh_from_db()
    assert message.state == "sent"
    return message


def report(client, token: str = TOKEN, **fields: str):
    data = {"id": "ATXid_1", "phoneNumber": BOB, "networkCode": "63902", **fields}
    return client.post(f"/sms/africastalking/{token}/delivery/", data)


def test_a_success_report_marks_the_message_delivered(client, sent):
    response = report(client, status="Success")

    assert response.status_code == 200
    sent.refresh_from_db()
    assert (sent.state, sent.provider_status) == ("delivered", "Success")
    assert sent.delivered_at is not None
    stored = DeliveryReport.objects.get()
    assert (stored.message, stored.status, stored.network_code) == (sent, "Success", "63902")
    assert stored.outcome == "applied"


def test_a_failed_report_marks_the_message_undeliverable_with_the_reason(client, sent):
    report(client, status="Failed", failureReason="UserInBlackList")

    sent.refresh_from_db()
    assert (sent.state, sent.failure_reason) == ("undeliverable", "UserInBlackList")
    assert sent.delivered_at is None


def test_a_report_on_the_way_keeps_the_message_sent_and_records_the_status(client, sent):
    report(client, status="Buffered")

    sent.refresh_from_db()
    assert (sent.state, sent.provider_status) == ("sent", "Buffered")


def test_a_late_or_repeated_report_never_moves_a_delivered_message_back(client, sent):
    report(client, status="Success")
    report(client, status="Buffered")
    report(client, status="Failed", failureReason="DeliveryFailure")

    sent.refresh_from_db()
    assert (sent.state, sent.provider_status, sent.failure_reason) == ("delivered", "Success", "")
    outcomes = DeliveryReport.objects.order_by("id").values_list("outcome", flat=True)
    assert list(outcomes) == ["applied", "ignored", "ignored"]


def test_a_wrong_token_is_refused_and_nothing_is_stored(client, sent):
    response = report(client, token="guessed-token", status="Success")

    assert response.status_code == 403
    assert not DeliveryReport.objects.exists()
    sent.refresh_from_db()
    assert sent.state == "sent"


@pytest.mark.parametrize(
    "fields",
    [{"status": "Success", "id": ""}, {"phoneNumber": ""}, {"status": "Success", "id": "x" * 101}],
    ids=["no-id", "no-status-or-phone", "id-too-long"],
)
def test_a_malformed_report_is_refused_and_nothing_is_stored(client, sent, fields):
    response = report(client, **fields)

    assert response.status_code == 400
    assert not DeliveryReport.objects.exists()


def test_a_report_for_an_unknown_message_is_answered_and_kept_aside(client, db):
    response = report(client, id="ATXid_unknown", status="Success")

    assert response.status_code == 200
    stored = DeliveryReport.objects.get()
    assert (stored.message, stored.outcome) == (None, "unknown")


def test_a_report_for_another_phone_number_is_not_applied(client, sent):
    report(client, status="Success", phoneNumber="+254712000009")

    sent.refresh_from_db()
    assert sent.state == "sent"
    assert DeliveryReport.objects.get().outcome == "mismatch"


def test_a_report_that_overtakes_the_send_is_applied_when_the_send_is_recorded(
    client, africastalking
):
    africastalking.post(AT_SMS_URL, json=at_reply(101, "Success", BOB, "ATXid_1"), status=201)
    message = queue_sms(to=BOB, text="Hello Bob", purpose="test", dedup_key="k")
    report(client, status="Success")  # before our send's transaction has committed

    send_message(message.pk)

    message.refresh_from_db()
    assert message.state == "delivered"
    assert DeliveryReport.objects.get().message == message


def test_only_post_is_accepted(client, db):
    assert client.get(f"/sms/africastalking/{TOKEN}/delivery/").status_code == 405


def test_a_second_token_can_be_added_for_rotation(client, sent, settings):
    settings.SMS_CALLBACK_TOKEN = "new-secret-token, old-secret-token"

    assert report(client, token="old-secret-token", status="Buffered").status_code == 200
    assert report(client, token="new-secret-token", status="Success").status_code == 200
    assert report(client, token=TOKEN, status="Success").status_code == 403
