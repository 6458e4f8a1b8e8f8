"""The database refuses to change or remove an audit record, whatever code asks.

Each refused statement runs in its own savepoint, so the test's transaction stays usable.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from audit import services
from audit.models import AuditRecord

pytestmark = pytest.mark.django_db


def execute(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


@pytest.fixture
def written() -> AuditRecord:
    found = services.record(action="approve", reason="checked the ID")
    assert found is not None
    return found


def test_an_audit_record_cannot_be_updated(written):
    with pytest.raises(DatabaseError, match="append_only"), transaction.atomic():
        execute("UPDATE audit_auditrecord SET reason = 'nothing' WHERE id = %s", [written.pk])
    assert AuditRecord.objects.get(pk=written.pk).reason == "checked the ID"


def test_an_audit_record_cannot_be_updated_through_the_orm_either(written):
    with pytest.raises(DatabaseError, match="append_only"), transaction.atomic():
        AuditRecord.objects.filter(pk=written.pk).update(actor_label="someone else")


def test_an_audit_record_cannot_be_deleted(written):
    with pytest.raises(DatabaseError, match="append_only"), transaction.atomic():
        execute("DELETE FROM audit_auditrecord WHERE id = %s", [written.pk])
    with pytest.raises(DatabaseError, match="append_only"), transaction.atomic():
        written.delete()
    assert AuditRecord.objects.filter(pk=written.pk).exists()


def test_the_audit_log_cannot_be_truncated_outside_a_test_database(written):
    # The test runner empties tables with TRUNCATE between transactional tests, so test
    # databases may; here that exception is switched off, as in any other database (the
    # replaced function is restored when the test's transaction rolls back).
    execute(
        "CREATE OR REPLACE FUNCTION audit_truncate_allowed() RETURNS boolean"
        " LANGUAGE sql AS $$ SELECT false $$"
    )
    execute("SET CONSTRAINTS ALL IMMEDIATE")  # PostgreSQL truncates no table with checks due
    with pytest.raises(DatabaseError, match="append_only"), transaction.atomic():
        execute("TRUNCATE audit_auditrecord")
    assert AuditRecord.objects.filter(pk=written.pk).exists()


def test_only_test_databases_are_allowed_to_truncate(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT audit_truncate_allowed(), current_database()")
        allowed, name = cursor.fetchone()
    assert name.startswith("test_")
    assert allowed is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'agentnet' LIKE 'test\\_%', 'testing' LIKE 'test\\_%'")
        assert cursor.fetchone() == (False, False)
