"""`audit.services.record`: what other code calls to leave a record of its own."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory

from audit import services
from audit.snapshots import MASK
from tests.audit.conftest import after, as_text, before
from wallets.models import Customer

pytestmark = pytest.mark.django_db


def test_a_record_masks_secrets_and_lists_the_changed_fields(alice):
    staff = User.objects.create_user("checker")
    customer = Customer.objects.get(pk=alice.customer_id)
    values = services.snapshot(customer)
    entry = services.record(
        actor=staff,
        action="approve_tier_upgrade",
        obj=customer,
        reason="ID and proof of address seen",
        before=values,
        after=values | {"kyc_tier": "tier2"},
        details={"documents": [3, 4], "pin": "2468"},
    )
    assert entry is not None
    entry.refresh_from_db()
    assert (entry.actor, entry.channel, entry.action) == (staff, "system", "approve_tier_upgrade")
    assert (entry.object_type, entry.object_id) == ("wallets.customer", str(customer.pk))
    assert entry.changed_fields == ["kyc_tier"]
    assert before(entry)["pin_hash"] == after(entry)["pin_hash"] == MASK
    assert entry.details == {"documents": [3, 4], "pin": MASK}
    assert customer.pin_hash not in as_text(entry)
    assert "2468" not in as_text(entry)


def test_raw_values_are_masked_too_and_a_pin_change_still_shows(alice):
    customer = Customer.objects.get(pk=alice.customer_id)
    entry = services.record(
        action="reset_pin",
        obj=customer,
        before={"pin_hash": "argon2$old", "failed_pin_attempts": 3},
        after={"pin_hash": "argon2$new", "failed_pin_attempts": 0},
    )
    assert entry is not None
    assert entry.changed_fields == ["failed_pin_attempts", "pin_hash"]
    assert entry.before == {"pin_hash": MASK, "failed_pin_attempts": 3}
    assert "argon2" not in as_text(entry)


def test_a_request_gives_the_record_its_path_address_channel_and_user():
    staff = User.objects.create_user("maker")
    request = RequestFactory().post(
        "/admin/approvals/change/7/", REMOTE_ADDR="10.1.2.3", HTTP_X_REQUEST_ID="abc-123"
    )
    request.user = staff
    entry = services.record(action="approve", request=request)
    assert entry is not None
    assert (entry.actor, entry.actor_label, entry.channel) == (staff, "maker", "admin")
    assert (entry.path, entry.method, entry.client_ip) == (
        "/admin/approvals/change/7/",
        "POST",
        "10.1.2.3",
    )
    assert entry.request_id == "abc-123"


def test_a_token_is_named_by_its_type_only(db):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=User.objects.create_user("partner"))
    entry = services.record(action="create", obj=token, after=services.snapshot(token))
    assert entry is not None
    assert token.key not in as_text(entry)
    assert after(entry)["key"] == MASK


def test_a_record_that_cannot_be_written_is_logged_not_raised(caplog):
    entry = services.record(action="x" * 100, details={"not json": object()}, channel="c" * 99)
    assert entry is None
    assert "audit: 1 record(s) not written" in caplog.text


def test_a_nul_character_in_request_data_is_recorded_not_lost(db):
    entry = services.record(
        action="gsma-batches", details={"body": {"note\u0000": "a\u0000b"}, "n": 1}
    )
    assert entry is not None
    entry.refresh_from_db()
    assert entry.details == {"body": {"note\ufffd": "a\ufffdb"}, "n": 1}
