"""The audit log in the admin: it lists, filters, searches and shows a diff; nobody edits it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents.models import Store
from audit import services
from audit.models import AuditRecord

pytestmark = pytest.mark.django_db

LIST = reverse("admin:audit_auditrecord_changelist")


def page(entry: AuditRecord, view: str = "change") -> str:
    return reverse(f"admin:audit_auditrecord_{view}", args=[entry.pk])


@pytest.fixture
def renamed(admin_user, network) -> AuditRecord:
    store = Store.objects.get(pk=network.store1.pk)
    before = services.snapshot(store)
    store.name = "Ngong Road West"
    store.save(update_fields=["name"])
    entry = services.record(
        actor=admin_user,
        action="update",
        obj=store,
        before=before,
        after=services.snapshot(store),
        reason="signboard changed",
        channel="admin",
    )
    assert entry is not None
    return entry


def test_the_list_renders_with_filters_and_search(admin_client, renamed):
    listing = admin_client.get(LIST)
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "100201/1 Ngong Road West" in text
    for heading in ("By channel", "By action", "By actor", "By object type"):
        assert heading in text
    assert admin_client.get(LIST, {"channel__exact": "admin", "q": "Ngong"}).status_code == 200
    found = admin_client.get(LIST, {"q": "Kilimani"}).content.decode()
    assert "Ngong Road West" not in found
    assert admin_client.get(LIST, {"at__year": renamed.at.year}).status_code == 200


def test_the_detail_page_shows_before_and_after_side_by_side(admin_client, renamed):
    response = admin_client.get(page(renamed))
    assert response.status_code == 200
    text = response.content.decode()
    assert (
        '<tr style="font-weight:bold"><th scope="row">name</th>'
        "<td>Ngong Road</td><td>Ngong Road West</td></tr>"
    ) in text
    assert "signboard changed" in text
    assert reverse("admin:agents_store_change", args=[renamed.object_id]) in text


def test_nobody_can_add_change_or_delete_a_record_in_the_admin(admin_client, renamed):
    text = admin_client.get(page(renamed)).content.decode()
    assert 'name="_save"' not in text
    assert "deletelink" not in text
    assert 'name="action"' not in admin_client.get(LIST).content.decode()
    assert admin_client.post(page(renamed), {"reason": "rewritten"}).status_code == 403
    assert admin_client.post(page(renamed, "delete"), {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse("admin:audit_auditrecord_add")).status_code == 403
    assert AuditRecord.objects.get(pk=renamed.pk).reason == "signboard changed"


def test_staff_need_the_view_permission_to_read_the_log(renamed):
    user = User.objects.create_user("support-1", is_staff=True)
    client = Client()
    client.force_login(user)
    assert client.get(LIST).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_auditrecord"))
    assert client.get(LIST).status_code == 200
    assert client.get(page(renamed)).status_code == 200
    assert client.post(page(renamed), {"reason": "rewritten"}).status_code == 403


def queries_for_the_list(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST).status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_3_or_30_records(admin_client, admin_user):
    def write(count: int) -> None:
        for number in range(count):
            actor = User.objects.create_user(f"staff-{number}-{count}", is_staff=True)
            services.record(actor=actor, action="update", details={"n": number})

    write(3)
    few = queries_for_the_list(admin_client)
    write(27)
    assert queries_for_the_list(admin_client) == few
    # The filters offer fixed choices and staff members: none scans the log.
    assert "staff-26-27" in admin_client.get(LIST).content.decode()
