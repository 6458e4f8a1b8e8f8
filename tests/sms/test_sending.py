"""Sending from the SMS outbox: the console backend, Africa's Talking, retries, the sweep.

Africa's Talking is stubbed at the `requests` boundary with `responses`; the database is real.
"""

from __future__ import annotations

import datetime
import urllib.parse

import pytest
import requests
from celery.exceptions import Retry
from django.utils import timezone

from tests.sms.conftest import AT_SMS_URL, at_reply
from ussd.sms.checks import check_sms_settings
from ussd.sms.models import SmsMessage
from ussd.sms.services import queue_sms
from ussd.sms.tasks import send_queued_sms, send_sms

pytestmark = pytest.mark.django_db

BOB = "+254712000002"


def queue(key: str = "test:1", to: str = BOB, text: str = "Hello Bob") -> SmsMessage:
    return queue_sms(to=to, text=text, purpose="test", dedup_key=key)


def fresh(message: SmsMessage) -> SmsMessage:
    message.refresh_from_db()
    return message


def form(call: object) -> dict[str, str]:
    body = call.request.body  # type: ignore[attr-defined]
    return dict(urllib.parse.parse_qsl(body if isinstance(body, str) else body.decode()))


def test_queueing_the_same_key_twice_keeps_one_message_and_one_send(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks:
        first = queue(text="first")
        again = queue(text="second")

    assert again.pk == first.pk
    assert fresh(first).text == "first"
    assert SmsMessage.objects.count() == 1
    assert len(callbacks) == 1


def test_a_queued_message_is_sent_by_a_task_after_commit(
    eager_tasks, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        message = queue_sms(to="0712 000 002", text="Hello Bob", purpose="test", dedup_key="k")
        assert fresh(message).state == "queued"  # nothing leaves before the commit

    message = fresh(message)
    assert message.to == BOB
    assert message.state == "sent"
    assert message.backend == "console"
    assert message.provider_message_id.startswith("console-")
    assert message.attempts == 1
    assert message.sent_at is not None
    assert "SMS to +254712000002: Hello Bob" in caplog.text


def test_the_console_backend_sends_a_queued_message_when_the_task_runs():
    message = queue()

    assert send_sms.run(message.pk) == "sent"
    assert fresh(message).state == "sent"


def test_a_message_that_is_no_longer_queued_is_not_sent_again(africastalking):
    message = queue()
    SmsMessage.objects.filter(pk=message.pk).update(state="failed")

    assert send_sms.run(message.pk) == "skipped"
    assert len(africastalking.calls) == 0


def test_africas_talking_accepting_the_message_marks_it_sent_with_its_id(africastalking, settings):
    settings.AT_SENDER_ID = "AGENTNET"
    africastalking.post(AT_SMS_URL, json=at_reply(101, "Success", BOB, "ATXid_42"), status=201)
    message = queue()

    assert send_sms.run(message.pk) == "sent"

    message = fresh(message)
    assert (message.state, message.provider_message_id) == ("sent", "ATXid_42")
    assert (message.provider_status_code, message.provider_status) == (101, "Success")
    assert message.backend == "africastalking"
    sent = form(africastalking.calls[0])
    assert sent == {
        "username": "sandbox",
        "to": BOB,
        "message": "Hello Bob",
        "bulkSMSMode": "1",
        "from": "AGENTNET",
    }
    assert africastalking.calls[0].request.headers["apiKey"] == "test-key"


@pytest.mark.parametrize(
    ("code", "status"), [(403, "InvalidPhoneNumber"), (406, "UserInBlacklist")]
)
def test_africas_talking_refusing_the_recipient_marks_the_message_failed_at_once(
    africastalking, code, status
):
    africastalking.post(AT_SMS_URL, json=at_reply(code, status, BOB, "None"), status=201)
    message = queue()

    assert send_sms.run(message.pk) == "failed"

    message = fresh(message)
    assert (message.state, message.attempts, message.provider_status_code) == ("failed", 1, code)
    assert message.last_error == f"Africa's Talking {code} {status}"
    assert message.provider_message_id == ""
    assert message.failed_at is not None


def test_an_invalid_sender_id_answered_with_201_and_no_recipients_is_a_failure(africastalking):
    body = {"SMSMessageData": {"Message": "InvalidSenderId", "Recipients": []}}
    africastalking.post(AT_SMS_URL, json=body, status=201)
    message = queue()

    assert send_sms.run(message.pk) == "failed"
    assert fresh(message).last_error == "InvalidSenderId"


@pytest.mark.parametrize(
    "reply",
    [
        {"body": "Internal Server Error", "status": 500},
        {"body": requests.exceptions.ConnectTimeout("timed out")},
        {"json": at_reply(500, "InternalServerError", BOB, "None"), "status": 201},
    ],
    ids=["http-500", "timeout", "status-code-500"],
)
def test_a_transient_failure_keeps_the_message_queued_and_retries_later(africastalking, reply):
    africastalking.post(AT_SMS_URL, **reply)
    message = queue()

    with pytest.raises(Retry):
        send_sms.run(message.pk)

    message = fresh(message)
    assert (message.state, message.attempts) == ("queued", 1)
    assert message.last_error
    assert message.next_attempt_at > timezone.now() + datetime.timedelta(seconds=20)


def test_a_retry_that_succeeds_sends_the_message_once(africastalking):
    africastalking.post(AT_SMS_URL, body="Bad Gateway", status=502)
    africastalking.post(AT_SMS_URL, json=at_reply(102, "Success", BOB, "ATXid_7"), status=201)
    message = queue()

    send_sms.apply(args=(message.pk,))  # runs the retries in place, without their countdown

    message = fresh(message)
    assert (message.state, message.attempts, message.provider_message_id) == ("sent", 2, "ATXid_7")
    assert message.last_error == ""
    assert len(africastalking.calls) == 2


def test_a_message_that_keeps_failing_is_marked_failed_after_five_attempts(africastalking):
    africastalking.post(AT_SMS_URL, body="Internal Server Error", status=500)
    message = queue()

    send_sms.apply(args=(message.pk,))

    message = fresh(message)
    assert (message.state, message.attempts) == ("failed", 5)
    assert "Internal Server Error" in message.last_error
    assert len(africastalking.calls) == 5


def test_the_sweep_sends_only_queued_messages_that_are_overdue(eager_tasks):
    overdue = queue("k-overdue")
    recent = queue("k-recent")
    already_sent = queue("k-sent")
    failed = queue("k-failed")
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    SmsMessage.objects.filter(pk__in=[overdue.pk, already_sent.pk, failed.pk]).update(
        next_attempt_at=an_hour_ago
    )
    SmsMessage.objects.filter(pk=already_sent.pk).update(state="sent", sent_at=an_hour_ago)
    SmsMessage.objects.filter(pk=failed.pk).update(state="failed")

    assert send_queued_sms.run() == 1

    assert fresh(overdue).state == "sent"
    assert fresh(recent).state == "queued"
    assert fresh(already_sent).sent_at == an_hour_ago
    assert fresh(failed).attempts == 0


def test_the_system_checks_refuse_africas_talking_without_an_api_key(settings):
    settings.SMS_BACKEND = "africastalking"
    settings.AT_API_KEY = ""

    assert [error.id for error in check_sms_settings()] == ["sms.E002"]
    settings.AT_API_KEY = "key"
    assert check_sms_settings() == []
