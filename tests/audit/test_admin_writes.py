"""Every write through the admin leaves an audit record: who, what, before and after, why."""

from __future__ import annotations

import contextlib
import inspect

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.forms import inlineformset_factory, modelform_factory
from django.test import RequestFactory
from django.urls import reverse

from agents.models import Store
from audit.admin_hooks import WRAPPERS
from audit.models import AuditRecord
from audit.snapshots import MASK
from tests.audit.conftest import after, as_text, before, change_form_data, records, shown_values
from wallets import services
from wallets.errors import WrongPin
from wallets.models import Customer, ReversalRequest, ReversalState

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "New-Secret-2026!"


def test_changing_a_store_records_its_fields_before_and_after(admin_client, admin_user, network):
    store = network.store1
    page = reverse("admin:agents_store_change", args=[store.pk])
    form = change_form_data(admin_client.get(page))
    response = admin_client.post(page, form | {"name": "Ngong Road West"})
    assert response.status_code == 302
    store.refresh_from_db()
    assert store.name == "Ngong Road West"

    change = records(action="update").get()
    assert (change.actor, change.actor_label, change.channel) == (admin_user, "admin", "admin")
    assert (change.object_type, change.object_id) == ("agents.store", str(store.pk))
    assert change.object_repr == "100201/1 Ngong Road West"
    assert change.changed_fields == ["name"]
    assert (before(change)["name"], after(change)["name"]) == ("Ngong Road", "Ngong Road West")
    assert before(change)["agent"] == after(change)["agent"] == network.agent.pk
    assert (change.path, change.method) == (page, "POST")
    assert change.client_ip == "127.0.0.1"
    assert len(change.request_id) == 32
    assert change.details["change_message"] == [{"changed": {"fields": ["Name"]}}]


def test_a_form_that_fails_validation_records_nothing(admin_client, network):
    page = reverse("admin:agents_store_change", args=[network.store1.pk])
    form = change_form_data(admin_client.get(page))
    response = admin_client.post(page, form | {"store_number": "not digits"})
    assert response.status_code == 200  # the form again, with the error
    assert not records(action="update").exists()
    assert not records(channel="admin").exclude(action="login").exists()


def test_adding_and_deleting_through_the_admin_is_recorded(admin_client, admin_user):
    added = admin_client.post(reverse("admin:auth_group_add"), {"name": "night shift"})
    assert added.status_code == 302
    group = Group.objects.get(name="night shift")
    creation = records(action="create").get()
    assert (creation.object_type, creation.object_id) == ("auth.group", str(group.pk))
    assert creation.before is None
    assert creation.after == {"id": group.pk, "name": "night shift", "permissions": []}

    deleted = admin_client.post(
        reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 302
    assert not Group.objects.filter(name="night shift").exists()
    deletion = records(action="delete").get()
    assert (deletion.actor, deletion.object_repr, deletion.object_id) == (
        admin_user,
        "night shift",
        str(group.pk),
    )
    assert deletion.before == {"id": group.pk, "name": "night shift", "permissions": []}
    assert deletion.after is None
    assert deletion.changed_fields == ["id", "name"]


def test_deleting_several_rows_with_the_action_records_each_and_the_action(admin_client):
    groups = [Group.objects.create(name=name) for name in ("night", "weekend", "keep")]
    changelist = reverse("admin:auth_group_changelist")
    chosen = {"action": "delete_selected", "_selected_action": [g.pk for g in groups[:2]]}
    confirm_page = admin_client.post(changelist, chosen)
    assert confirm_page.status_code == 200
    assert not records(channel="admin").exclude(action="login").exists()  # nothing happened yet

    admin_client.post(changelist, chosen | {"post": "yes"})
    assert not Group.objects.filter(name__in=["night", "weekend"]).exists()
    assert Group.objects.filter(name="keep").exists()
    deletions = records(action="delete")
    assert sorted(d.object_repr for d in deletions) == ["night", "weekend"]
    assert all(d.before and d.after is None for d in deletions)
    assert all(d.details["admin_action"] == "delete_selected" for d in deletions)
    assert not records(action="delete_selected").exists()  # the deletions say it all


@pytest.fixture
def open_case(alice, bob, fund) -> ReversalRequest:
    """Alice sent Bob KES 200 by mistake and asked for it back: the money is held."""
    fund(alice, 100_000)
    sent = services.send_money(sender=alice, recipient=bob, amount=20_000, idempotency_key="s1")
    return services.request_reversal(
        customer=alice.customer, reference=sent.reference, channel="ussd"
    )


def decide(admin_client, action: str, case: ReversalRequest, note: str) -> None:
    admin_client.post(
        reverse("admin:wallets_reversalrequest_changelist"),
        {"action": action, "_selected_action": [case.pk], "note": note},
    )


def test_an_admin_action_records_the_note_and_the_row_before_and_after(
    admin_client, admin_user, open_case
):
    decide(admin_client, "reject", open_case, "the recipient sold her goods")
    open_case.refresh_from_db()
    assert open_case.state == ReversalState.REJECTED

    decision = records(action="reject").get()
    assert (decision.actor, decision.reason) == (admin_user, "the recipient sold her goods")
    assert (decision.object_type, decision.object_id) == (
        "wallets.reversalrequest",
        str(open_case.pk),
    )
    assert (before(decision)["state"], after(decision)["state"]) == ("open", "rejected")
    assert {"state", "decided_by", "decision_note"} <= set(decision.changed_fields)
    assert decision.details["form"] == {"note": "the recipient sold her goods"}
    assert decision.details["selected"] == 1


def test_an_action_refused_by_its_own_rules_is_still_recorded_with_nothing_changed(
    admin_client, open_case
):
    decide(admin_client, "reject", open_case, "")  # a rejection needs a note
    attempt = records(action="reject").get()
    assert attempt.changed_fields == []
    assert attempt.before == attempt.after
    assert ReversalRequest.objects.get(pk=open_case.pk).state == ReversalState.OPEN


def test_unlocking_a_pin_shows_the_counters_but_never_the_pin_hash(admin_client, alice):
    customer = alice.customer
    for _ in range(3):
        with contextlib.suppress(WrongPin):
            services.verify_pin(customer, "9031")
    customer.refresh_from_db()
    assert customer.pin_is_locked
    admin_client.post(
        reverse("admin:wallets_customer_changelist"),
        {"action": "unlock_pins", "_selected_action": [customer.pk]},
    )
    unlock = records(action="unlock_pins").get()
    assert unlock.changed_fields == ["pin_locked_until"]
    assert before(unlock)["pin_locked_until"] is not None
    assert after(unlock)["pin_locked_until"] is None
    assert after(unlock)["failed_pin_attempts"] == 0
    assert before(unlock)["pin_hash"] == after(unlock)["pin_hash"] == MASK
    assert Customer.objects.get(pk=customer.pk).pin_hash not in as_text(unlock)


def test_a_password_set_in_the_admin_is_recorded_as_changed_and_never_stored(admin_client):
    user = User.objects.create_user("wanjiru", password="first-Secret-99")
    old_hash = user.password
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {
            "password1": "New-Secret-2026!",
            "password2": "New-Secret-2026!",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    change = records(action="update", object_type="auth.user").get()
    assert "password" in change.changed_fields
    assert before(change)["password"] == after(change)["password"] == MASK
    text = as_text(change)
    assert NEW_PASSWORD not in text
    assert old_hash not in text
    user.refresh_from_db()
    assert user.password not in text


def test_changing_a_users_groups_records_the_group_ids(admin_client):
    user = User.objects.create_user("achieng", is_staff=True)
    support = Group.objects.create(name="night shift")
    page = reverse("admin:auth_user_change", args=[user.pk])
    form = change_form_data(admin_client.get(page))
    admin_client.post(page, form | {"groups": [str(support.pk)]})
    change = records(action="update", object_type="auth.user").get()
    assert (before(change)["groups"], after(change)["groups"]) == ([], [str(support.pk)])
    assert "groups" in change.changed_fields
    assert before(change)["password"] == after(change)["password"] == MASK


def test_an_admin_post_no_model_admin_saw_is_recorded_by_the_middleware(admin_client):
    response = admin_client.post(
        reverse("admin:password_change"),
        {"old_password": "password", "new_password1": "Wx-93-kd!q", "new_password2": "Wx-93-kd!q"},
    )
    assert response.status_code == 302
    entry = records(action="password_change").get()
    assert entry.status_code == 302
    assert entry.details["form"] == {
        "old_password": MASK,
        "new_password1": MASK,
        "new_password2": MASK,
    }
    assert "Wx-93-kd!q" not in as_text(entry)


def test_a_failing_audit_write_never_breaks_the_admin_change(
    admin_client, network, monkeypatch, caplog
):
    def refuse(*args, **kwargs):
        raise RuntimeError("the audit table is unavailable")

    monkeypatch.setattr(AuditRecord.objects, "bulk_create", refuse)
    page = reverse("admin:agents_store_change", args=[network.store1.pk])
    form = change_form_data(admin_client.get(page))
    response = admin_client.post(page, form | {"name": "Ngong Road West"})
    assert response.status_code == 302
    assert Store.objects.get(pk=network.store1.pk).name == "Ngong Road West"
    assert "audit: 1 record(s) not written (update)" in caplog.text


def test_every_registered_admin_goes_through_the_audited_hooks():
    # An admin may override a hook if it calls super(). get_object may even be replaced
    # (DRF's TokenAdmin does): save_model then reads the values before from the stored row.
    for model_admin in admin.site._registry.values():
        for name in WRAPPERS.keys() - {"get_object"}:
            method = getattr(type(model_admin), name)
            assert hasattr(method, "__wrapped__") or "super()." in inspect.getsource(method), (
                f"{type(model_admin).__name__}.{name} skips the audited hook: call super()"
            )


def test_a_save_without_get_object_reads_the_values_before_from_the_stored_row(admin_user, network):
    # The list page's inline editing (list_editable) and admins that replace get_object
    # (DRF's TokenAdmin) reach save_model with a row the form has already changed.
    request = RequestFactory().post("/admin/agents/store/")
    request.user = admin_user
    store_admin = admin.site._registry[Store]
    store = Store.objects.get(pk=network.store2.pk)
    store.location = "Argwings Kodhek Road"
    store_admin.save_model(request, store, form=None, change=True)
    store_admin.log_change(request, store, [{"changed": {"fields": ["Location"]}}])
    change = records(action="update").get()
    assert (before(change)["location"], after(change)["location"]) == ("", "Argwings Kodhek Road")
    assert change.changed_fields == ["location"]


def test_a_failing_snapshot_never_breaks_an_admin_action(
    admin_client, open_case, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise ValueError("a field that cannot be read")

    monkeypatch.setattr("audit.admin_actions.field_values", broken)
    decide(admin_client, "reject", open_case, "the recipient sold her goods")
    assert ReversalRequest.objects.get(pk=open_case.pk).state == ReversalState.REJECTED
    assert "audit: an admin action's values before failed" in caplog.text


def test_a_selection_too_large_to_show_row_by_row_is_one_summary_record(
    admin_client, alice, bob, monkeypatch
):
    monkeypatch.setattr("audit.admin_actions.ACTION_ROW_LIMIT", 1)
    admin_client.post(
        reverse("admin:wallets_customer_changelist"),
        {"action": "unlock_pins", "_selected_action": [alice.customer_id, bob.customer_id]},
    )
    summary = records(action="unlock_pins").get()
    assert (summary.object_type, summary.object_id) == ("wallets.customer", "")
    assert summary.object_repr == "2 customers"
    assert summary.details["selected"] == 2
    assert len(summary.details["first_ids"]) == 1


def test_inline_rows_changed_and_deleted_are_recorded_each(admin_user):
    # The project's editable inline pages (tariff and commission bands) move to maker-checker,
    # so the hook is driven here as the change page drives it: a content type's permissions.
    kind = ContentType.objects.get_for_model(AuditRecord)
    formset_class = inlineformset_factory(ContentType, Permission, fields=["name", "codename"])
    shown = formset_class(instance=kind)
    data = shown_values(shown.management_form)
    for row in shown.forms:
        data |= shown_values(row)
    prefixes = {value: name.removesuffix("-codename") for name, value in data.items()}
    view, delete = prefixes["view_auditrecord"], prefixes["delete_auditrecord"]
    data |= {f"{view}-name": "Can read the audit log", f"{delete}-DELETE": "on"}
    formset = formset_class(data, instance=kind)
    form = modelform_factory(ContentType, fields=["app_label", "model"])(
        {"app_label": kind.app_label, "model": kind.model}, instance=kind
    )
    assert formset.is_valid()
    assert form.is_valid()
    form.save(commit=False)
    request = RequestFactory().post("/admin/contenttypes/contenttype/")
    request.user = admin_user

    admin.ModelAdmin(ContentType, admin.site).save_related(request, form, [formset], True)
    renamed = records(action="update", object_type="auth.permission").get()
    assert (before(renamed)["name"], after(renamed)["name"]) == (
        "Can view audit record",
        "Can read the audit log",
    )
    assert renamed.changed_fields == ["name"]
    deleted = records(action="delete", object_type="auth.permission").get()
    assert before(deleted)["codename"] == "delete_auditrecord"
    assert deleted.object_id == data[f"{delete}-id"]
    assert not Permission.objects.filter(codename="delete_auditrecord").exists()
