"""The SMS admin: read-only, found by phone number as people write it, or by reference."""

from __future__ import annotations

import pytest

from ussd.sms.models import SmsMessage
from ussd.sms.services import queue_sms

pytestmark = pytest.mark.django_db


@pytest.fixture
def messages() -> list[SmsMessage]:
    return [
        queue_sms(
            to="+254712000002",
            text="For Bob",
            purpose="receipt",
            dedup_key="a",
            reference="QK7T3M9XRA",
        ),
        queue_sms(
            to="+254712000003",
            text="For Carol",
            purpose="receipt",
            dedup_key="b",
            reference="ZZ7T3M9XRA",
        ),
    ]


def test_messages_are_found_by_a_phone_number_typed_the_local_way(admin_client, messages):
    response = admin_client.get("/admin/sms/smsmessage/", {"q": "0712 000 002"})

    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [messages[0]]


def test_messages_are_found_by_transaction_reference(admin_client, messages):
    response = admin_client.get("/admin/sms/smsmessage/", {"q": "ZZ7T3M9XRA"})

    assert list(response.context["cl"].queryset) == [messages[1]]


def test_messages_and_reports_can_be_read_but_not_changed(admin_client, messages):
    page = admin_client.get(f"/admin/sms/smsmessage/{messages[0].pk}/change/")

    assert page.status_code == 200
    assert b"For Bob" in page.content
    assert admin_client.get("/admin/sms/smsmessage/add/").status_code == 403
    assert admin_client.get("/admin/sms/deliveryreport/").status_code == 200
    assert admin_client.get("/admin/sms/deliveryreport/add/").status_code == 403
