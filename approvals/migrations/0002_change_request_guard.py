"""The database keeps change requests honest: what was asked cannot be edited, a state only
moves forward (pending -> applying -> approved | failed; pending -> rejected; a stale claim may
be taken over, applying -> applying), a decided request is never touched again, and no request
is deleted: they are part of the audit trail."""

from django.db import migrations

GUARD = r"""
CREATE FUNCTION approvals_change_request_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'change requests are kept: they cannot be deleted';
    END IF;
    IF NEW.kind IS DISTINCT FROM OLD.kind OR NEW.payload IS DISTINCT FROM OLD.payload
       OR NEW.reason IS DISTINCT FROM OLD.reason OR NEW.maker_id IS DISTINCT FROM OLD.maker_id
       OR NEW.description IS DISTINCT FROM OLD.description
       OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR NEW.target_type_id IS DISTINCT FROM OLD.target_type_id
       OR NEW.target_id IS DISTINCT FROM OLD.target_id THEN
        RAISE EXCEPTION 'what a change request asks cannot be edited';
    END IF;
    IF OLD.state = 'applying' AND NEW.state = 'applying' THEN
        IF NEW.checker_id IS DISTINCT FROM OLD.checker_id
           OR NEW.decided_at IS DISTINCT FROM OLD.decided_at
           OR NEW.decision_note IS DISTINCT FROM OLD.decision_note THEN
            RAISE EXCEPTION 'the decision on a change request cannot be edited';
        END IF;
        RETURN NEW;
    END IF;
    IF (OLD.state, NEW.state) NOT IN (('pending', 'applying'), ('pending', 'rejected'),
                                      ('applying', 'approved'), ('applying', 'failed')) THEN
        RAISE EXCEPTION 'a change request cannot move from % to %', OLD.state, NEW.state;
    END IF;
    IF OLD.state = 'applying' AND (NEW.checker_id IS DISTINCT FROM OLD.checker_id
           OR NEW.decided_at IS DISTINCT FROM OLD.decided_at
           OR NEW.decision_note IS DISTINCT FROM OLD.decision_note) THEN
        RAISE EXCEPTION 'the decision on a change request cannot be edited';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER approvals_change_request_guard
BEFORE UPDATE OR DELETE ON approvals_changerequest
FOR EACH ROW EXECUTE FUNCTION approvals_change_request_guard();
"""

UNGUARD = r"""
DROP TRIGGER approvals_change_request_guard ON approvals_changerequest;
DROP FUNCTION approvals_change_request_guard();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0001_initial"),
    ]

    operations = [migrations.RunSQL(GUARD, UNGUARD)]
