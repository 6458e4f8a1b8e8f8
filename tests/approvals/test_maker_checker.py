"""The maker-checker itself: four eyes, permissions per kind, a decision taken once, and a
database that keeps the record honest."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from approvals.errors import AlreadyDecided, MakerCannotDecide, NoteRequired, NotPermitted
from approvals.forms import FORMS
from approvals.kinds import KINDS
from approvals.models import ChangeKind, ChangeRequest, ChangeState
from approvals.services import APPLY_LEASE, approve, may_decide, reject, request_change
from tests.conftest import balance
from wallets.models import CustomerStatus, Transaction


def credit(maker, wallet, amount: int = 5_000) -> ChangeRequest:
    return request_change(
        kind="adjustment",
        maker=maker,
        reason="Ticket 7",
        payload={"account": wallet.pk, "amount": amount, "direction": "credit"},
    )


def test_every_kind_has_a_form_and_its_two_permissions(db):
    from django.contrib.auth.models import Permission

    assert set(KINDS) == set(ChangeKind.values)
    # A break's resolution is asked for from the break's own page (operators.breaks).
    assert set(FORMS) == set(KINDS) - {"break_resolution"}
    codenames = set(
        Permission.objects.filter(content_type__app_label="approvals").values_list(
            "codename", flat=True
        )
    )
    for name in KINDS:
        assert {f"request_{name}", f"approve_{name}"} <= codenames


def test_the_maker_cannot_approve_or_reject_their_own_request(alice, maker):
    change = credit(maker, alice)

    with pytest.raises(MakerCannotDecide):
        approve(change=change, checker=maker)
    with pytest.raises(MakerCannotDecide):
        reject(change=change, checker=maker, note="changed my mind")

    change.refresh_from_db()
    assert change.state == ChangeState.PENDING
    assert balance(alice) == 0
    assert not may_decide(change, maker)


def test_not_even_a_superuser_approves_their_own_request(alice):
    boss = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    change = credit(boss, alice)

    with pytest.raises(MakerCannotDecide):
        approve(change=change, checker=boss)
    assert balance(alice) == 0


def test_the_database_refuses_a_checker_who_is_the_maker(alice, maker):
    change = credit(maker, alice)

    with pytest.raises(IntegrityError), transaction.atomic():
        ChangeRequest.objects.filter(pk=change.pk).update(
            state=ChangeState.APPLYING, checker=maker, decided_at=timezone.now()
        )


def test_asking_needs_the_kinds_request_permission(alice, staff):
    freezer = staff("fiona", "request_freeze")

    with pytest.raises(NotPermitted, match="You may not request a manual adjustment"):
        credit(freezer, alice)
    assert request_change(
        kind="freeze", maker=freezer, reason="AML case", payload={"customer": alice.customer.pk}
    )
    assert not ChangeRequest.objects.filter(kind="adjustment").exists()


def test_approving_needs_the_kinds_approve_permission(alice, maker, staff):
    change = credit(maker, alice)
    only_freezes = staff("fred", "approve_freeze", "request_adjustment")

    with pytest.raises(PermissionDenied):
        approve(change=change, checker=only_freezes)
    with pytest.raises(NotPermitted):
        reject(change=change, checker=only_freezes, note="no")

    assert not may_decide(change, only_freezes)
    assert approve(change=change, checker=staff("ann", "approve_adjustment")).state == "approved"


def test_a_rejected_request_changes_nothing_and_cannot_be_approved_after(alice, maker, checker):
    change = request_change(
        kind="freeze", maker=maker, reason="AML case", payload={"phone": "0712000001"}
    )

    with pytest.raises(NoteRequired):
        reject(change=change, checker=checker, note="  ")
    done = reject(change=change, checker=checker, note="The case was closed yesterday")

    assert done.state == ChangeState.REJECTED
    assert done.decision_note == "The case was closed yesterday"
    assert done.checker == checker
    alice.customer.refresh_from_db()
    assert alice.customer.status == CustomerStatus.ACTIVE
    with pytest.raises(AlreadyDecided, match="already decided: Rejected"):
        approve(change=change, checker=checker)
    alice.customer.refresh_from_db()
    assert alice.customer.status == CustomerStatus.ACTIVE


def test_an_approved_request_is_applied_once_however_often_it_is_approved(
    alice, maker, checker, staff
):
    change = credit(maker, alice)
    approve(change=change, checker=checker)

    with pytest.raises(AlreadyDecided):
        approve(change=change, checker=checker)
    with pytest.raises(AlreadyDecided):
        approve(change=change, checker=staff("third", "approve_adjustment"))
    with pytest.raises(AlreadyDecided):
        reject(change=change, checker=checker, note="too late")

    assert balance(alice) == 5_000


def test_a_request_needs_a_reason_and_a_known_kind(alice, maker):
    with pytest.raises(ValidationError, match="Say why"):
        request_change(kind="freeze", maker=maker, reason=" ", payload={"phone": "0712000001"})
    with pytest.raises(ValidationError, match="not a kind of change"):
        request_change(kind="mint_money", maker=maker, reason="why not", payload={})


def test_an_apply_interrupted_by_a_dead_worker_is_finished_once_after_the_lease(
    alice, maker, checker, staff
):
    change = credit(maker, alice)
    long_ago = timezone.now() - APPLY_LEASE - datetime.timedelta(seconds=1)
    ChangeRequest.objects.filter(pk=change.pk).update(
        state=ChangeState.APPLYING, checker=checker, decided_at=long_ago, claimed_at=long_ago
    )
    third = staff("night_shift", "approve_adjustment")

    done = approve(change=change, checker=third)

    assert done.state == ChangeState.APPROVED
    assert done.checker == checker  # the decision was the first checker's
    assert balance(alice) == 5_000
    with pytest.raises(AlreadyDecided):
        approve(change=change, checker=third)


def test_an_apply_under_way_is_not_taken_over(alice, maker, checker, staff):
    change = credit(maker, alice)
    now = timezone.now()
    ChangeRequest.objects.filter(pk=change.pk).update(
        state=ChangeState.APPLYING, checker=checker, decided_at=now, claimed_at=now
    )

    with pytest.raises(AlreadyDecided, match="being applied"):
        approve(change=change, checker=staff("eager", "approve_adjustment"))
    assert balance(alice) == 0


@pytest.mark.parametrize(
    "tamper",
    [
        {"payload": {"account": 1, "amount": 10**9, "direction": "credit"}},
        {"reason": "something else"},
        {"state": ChangeState.APPROVED},  # pending -> approved skips the claim
    ],
)
def test_the_database_refuses_edits_and_skipped_states(alice, maker, tamper):
    change = credit(maker, alice)

    with pytest.raises(DatabaseError), transaction.atomic():
        ChangeRequest.objects.filter(pk=change.pk).update(**tamper)


def test_a_decided_request_never_moves_again_nor_is_deleted(alice, maker, checker):
    change = approve(change=credit(maker, alice), checker=checker)

    for state in (ChangeState.PENDING, ChangeState.FAILED, ChangeState.REJECTED):
        with pytest.raises(DatabaseError, match="cannot move from approved"), transaction.atomic():
            ChangeRequest.objects.filter(pk=change.pk).update(state=state)
    with pytest.raises(DatabaseError, match="cannot be deleted"), transaction.atomic():
        ChangeRequest.objects.filter(pk=change.pk).delete()
    assert Transaction.objects.filter(idempotency_key=f"change:{change.pk}").count() == 1
