from __future__ import annotations

import pytest

from ussd.models import UssdSession


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("staff", "staff@example.com", "pw-123456")
    client.force_login(user)
    return client


def test_support_staff_follow_a_session_without_seeing_any_pin_or_its_hash(
    alice, phone_of, staff_client
):
    phone = phone_of(alice)
    phone.dial("5", "3", "2468", "8024")  # change PIN: current PIN, then a new one
    session = UssdSession.objects.get(session_id=phone.session_id)
    assert "new_pin_hash" in session.data  # the confirmation step keeps only a hash

    listing = staff_client.get("/admin/ussd/ussdsession/")
    page = staff_client.get(f"/admin/ussd/ussdsession/{session.pk}/change/")

    assert listing.status_code == page.status_code == 200
    html = page.content.decode()
    assert phone.session_id in html
    for secret in ("2468", "8024", session.data["new_pin_hash"], "new_pin_hash"):
        assert secret not in html


def test_sessions_cannot_be_changed_or_deleted_in_the_admin(alice, phone_of, staff_client):
    phone = phone_of(alice)
    phone.dial()
    session = UssdSession.objects.get(session_id=phone.session_id)

    response = staff_client.post(
        f"/admin/ussd/ussdsession/{session.pk}/change/", {"screen": "send.confirm"}
    )
    deleted = staff_client.post(f"/admin/ussd/ussdsession/{session.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert deleted.status_code == 403
    assert UssdSession.objects.get(pk=session.pk).screen == "home"
