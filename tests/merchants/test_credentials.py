"""Partner credentials: the secret is derived, shown once and stored nowhere (not in the row,
the audit log, the logs or a later admin page); rotating ends the old secret at once."""

from __future__ import annotations

import json
import logging

import pytest
from django.db import connection
from django.urls import reverse

from audit.models import AuditRecord
from merchants import credentials
from merchants.models import Merchant, PartnerCredential, Scope

ADD = "admin:merchants_partnercredential_add"
LIST = "admin:merchants_partnercredential_changelist"


def stored_row(credential: PartnerCredential) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT row_to_json(c)::text FROM merchants_partnercredential c WHERE id = %s",
            [credential.pk],
        )
        return cursor.fetchone()[0]


def audit_text() -> str:
    return json.dumps(list(AuditRecord.objects.values()), default=str)


def test_an_issued_secret_is_derived_and_never_stored(duka: Merchant):
    credential, secret = credentials.issue(merchant=duka, scopes=[Scope.MERCHANT_PAY], label="app")
    assert credential.client_id.startswith("pk_")
    assert len(credential.client_id) == 27
    assert secret.startswith("sk_")
    assert len(secret) > 40
    assert credentials.secret_of(credential) == secret
    assert secret not in stored_row(credential)
    assert secret[3:] not in stored_row(credential)
    found = credentials.lookup(credential.client_id)
    assert found == credential
    assert found.merchant.account_id == duka.account_id
    assert credentials.secret_of(found) == secret


def test_the_secret_depends_on_the_servers_key(duka, settings):
    credential, secret = credentials.issue(merchant=duka, scopes=[Scope.MERCHANT_PAY])
    settings.PARTNER_SECRET_KEY = "another installation"
    assert credentials.secret_of(credential) != secret


def test_rotating_ends_the_old_secret_and_revoking_the_credential(duka):
    credential, first = credentials.issue(merchant=duka, scopes=[Scope.DISBURSEMENT])
    second = credentials.rotate(credential)
    assert second != first
    assert credentials.secret_of(PartnerCredential.objects.get(pk=credential.pk)) == second
    credentials.revoke(credential)
    assert credentials.lookup(credential.client_id) is None
    with pytest.raises(ValueError, match="revoked"):
        credentials.rotate(credential)


def test_an_unknown_scope_is_refused(duka):
    with pytest.raises(Exception, match="not a valid choice"):
        credentials.issue(merchant=duka, scopes=["everything"])
    assert not PartnerCredential.objects.exists()


def test_lookup_ignores_what_is_not_a_client_id(db):
    assert credentials.lookup("") is None
    assert credentials.lookup("sk_whatever") is None


def test_issued_in_the_admin_the_secret_is_shown_once_and_never_again(admin_client, duka, caplog):
    caplog.set_level(logging.DEBUG)
    response = admin_client.post(
        reverse(ADD),
        {
            "merchant": duka.pk,
            "label": "Habari app",
            "scopes": [Scope.MERCHANT_PAY, Scope.MANDATES],
            "requests_per_minute": 120,
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    credential = PartnerCredential.objects.get()
    secret = credentials.secret_of(credential)
    page = response.content.decode()
    assert secret in page
    assert credential.client_id in page
    assert sorted(credential.scopes) == [Scope.MANDATES, Scope.MERCHANT_PAY]
    change = reverse("admin:merchants_partnercredential_change", args=[credential.pk])
    shown_again = admin_client.get(change).content.decode()
    listed = admin_client.get(reverse(LIST)).content.decode()
    for text in (shown_again, listed, audit_text(), caplog.text):
        assert secret not in text
        assert credential.secret_salt not in text
    created = AuditRecord.objects.get(action="create", object_type="merchants.partnercredential")
    assert (created.after or {})["secret_salt"] == "********"


def test_rotated_in_the_admin_the_new_secret_is_shown_once_and_audited_masked(admin_client, duka):
    credential, old = credentials.issue(merchant=duka, scopes=[Scope.MERCHANT_PAY])
    response = admin_client.post(
        reverse(LIST), {"action": "rotate", "_selected_action": [credential.pk]}
    )
    assert response.status_code == 200
    credential.refresh_from_db()
    new = credentials.secret_of(credential)
    assert new != old
    assert new in response.content.decode()
    record = AuditRecord.objects.get(action="rotate")
    before, after = record.before or {}, record.after or {}
    assert before["secret_salt"] == after["secret_salt"] == "********"
    assert "secret_salt" in record.changed_fields
    assert new not in audit_text()
    assert credential.secret_salt not in audit_text()


def test_revoked_in_the_admin(admin_client, duka):
    credential, _ = credentials.issue(merchant=duka, scopes=[Scope.MERCHANT_PAY])
    admin_client.post(reverse(LIST), {"action": "revoke", "_selected_action": [credential.pk]})
    credential.refresh_from_db()
    assert not credential.active
    assert credential.revoked_at is not None


def test_a_new_webhook_signing_secret_is_shown_once_and_masked_in_the_audit_log(admin_client, duka):
    old = duka.webhook_secret
    response = admin_client.post(
        reverse("admin:merchants_merchant_changelist"),
        {"action": "new_signing_secret", "_selected_action": [duka.pk]},
    )
    duka.refresh_from_db()
    assert duka.webhook_secret != old
    assert duka.webhook_secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert duka.webhook_secret not in audit_text()
    page = admin_client.get(reverse("admin:merchants_merchant_change", args=[duka.pk]))
    assert duka.webhook_secret not in page.content.decode()
