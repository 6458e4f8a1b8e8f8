"""Fixtures for the SMS app: Africa's Talking at the `requests` boundary, eager tasks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import responses

from config.celery import app
from tests.merchants.conftest import duka, water  # noqa: F401  (merchant fixtures)

AT_SMS_URL = "https://api.sandbox.africastalking.com/version1/messaging"


def at_reply(status_code: int, status: str, number: str, message_id: str = "ATXid_1") -> Any:
    """The body Africa's Talking sends for one recipient (a recorded real response's shape)."""
    return {
        "SMSMessageData": {
            "Message": "Sent to 1/1 Total Cost: KES 0.8000 Message parts: 1",
            "Recipients": [
                {
                    "cost": "KES 0.8000",
                    "messageId": message_id,
                    "number": number,
                    "status": status,
                    "statusCode": status_code,
                }
            ],
        }
    }


@pytest.fixture
def africastalking(settings: Any) -> Iterator[responses.RequestsMock]:
    """The AT backend in sandbox mode; every outside HTTP call must be registered."""
    settings.SMS_BACKEND = "africastalking"
    settings.AT_USERNAME = "sandbox"
    settings.AT_API_KEY = "test-key"
    settings.AT_SENDER_ID = ""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Run `.delay()` in place, so a test follows a message from the queue to the backend."""
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved
