"""The database refuses to change or remove audit records, whoever asks.

A row trigger refuses UPDATE and DELETE; a statement trigger refuses TRUNCATE. The one
exception is TRUNCATE in a Django test database (named test_...), which the test runner
empties between transactional tests; `audit_truncate_allowed()` says so in one place, and a
test replaces it to prove the refusal. (A superuser can still drop the triggers: keep the
application's database role an ordinary one.)
"""

from django.db import migrations

SQL = r"""
CREATE FUNCTION audit_truncate_allowed() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT current_database() LIKE 'test\_%'
$$;

CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND audit_truncate_allowed() THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'append_only' USING DETAIL = 'audit records cannot be changed or deleted';
END $$;

CREATE TRIGGER audit_record_append_only BEFORE UPDATE OR DELETE ON audit_auditrecord
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_record_no_truncate BEFORE TRUNCATE ON audit_auditrecord
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
"""

REVERSE_SQL = r"""
DROP TRIGGER IF EXISTS audit_record_no_truncate ON audit_auditrecord;
DROP TRIGGER IF EXISTS audit_record_append_only ON audit_auditrecord;
DROP FUNCTION IF EXISTS audit_refuse_change();
DROP FUNCTION IF EXISTS audit_truncate_allowed();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunSQL(SQL, REVERSE_SQL)]
