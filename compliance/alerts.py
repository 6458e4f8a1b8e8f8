"""The alert queue's writes: record a rule's hit, assign, note, close, ask for a freeze.

A hit on a subject that already has an open alert for the same rule updates that alert (new
figures, `last_seen_at`, one more hit) and keeps its deadline, so the queue holds one case per
rule and subject. Notes are appended with who and when, never rewritten.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from agents.models import Agent
from compliance import maker_checker
from compliance.errors import AlertClosed, NoteRequired, NoWalletToFreeze
from compliance.models import OPEN_STATES, Alert, AlertState, Rule
from compliance.rules import Hit
from wallets.models import Account, AccountKind


@dataclass(frozen=True)
class Subject:
    key: str
    account_id: int | None = None
    customer_id: int | None = None
    agent_id: int | None = None


def subject_of(hit: Hit) -> Subject:
    """Who the alert is about: a customer's wallet, an agent (through its float), a customer."""
    if hit.subject == "customer":
        return Subject(f"customer:{hit.subject_id}", customer_id=hit.subject_id)
    account = Account.objects.only("kind", "customer_id").get(pk=hit.subject_id)
    if account.kind == AccountKind.AGENT_FLOAT:
        agent_id = Agent.objects.filter(float_account=account).values_list("pk", flat=True).first()
        if agent_id is not None:
            return Subject(f"agent:{agent_id}", account_id=account.pk, agent_id=agent_id)
    return Subject(f"account:{account.pk}", account_id=account.pk, customer_id=account.customer_id)


def record_hit(*, rule: Rule, hit: Hit, now: datetime.datetime) -> tuple[Alert, bool]:
    """Open an alert for `hit`, or update the open one for the same rule and subject.
    Returns the alert and whether it is new."""
    subject = subject_of(hit)
    for _ in range(2):
        alert = (
            Alert.objects.select_for_update()
            .filter(rule=rule, subject_key=subject.key, state__in=OPEN_STATES)
            .first()
        )
        if alert is not None:
            alert.detail, alert.last_seen_at, alert.hits = hit.detail, now, alert.hits + 1
            alert.save(update_fields=["detail", "last_seen_at", "hits"])
            return alert, False
        try:
            with transaction.atomic():
                return _open(rule, subject, hit.detail, now), True
        except IntegrityError:  # opened by a concurrent writer since we looked: update it
            continue
    raise RuntimeError(f"could not record a hit of {rule} on {subject.key}")


def _open(rule: Rule, subject: Subject, detail: dict[str, Any], now: datetime.datetime) -> Alert:
    return Alert.objects.create(
        rule=rule,
        subject_key=subject.key,
        account_id=subject.account_id,
        customer_id=subject.customer_id,
        agent_id=subject.agent_id,
        detail=detail,
        first_seen_at=now,
        last_seen_at=now,
        deadline=now + datetime.timedelta(hours=rule.deadline_hours),
    )


def _note_line(staff: Any, text: str, now: datetime.datetime | None = None) -> str:
    moment = timezone.localtime(now or timezone.now())
    return f"[{moment:%Y-%m-%d %H:%M}] {staff.get_username()}: {text.strip()}"


def _append(alert: Alert, line: str) -> None:
    alert.notes = f"{alert.notes}\n{line}" if alert.notes else line


@transaction.atomic
def assign(*, alert: Alert, assignee: Any, by: Any) -> Alert:
    """Give an open alert to `assignee` (the clock keeps running from the first hit)."""
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if not alert.is_open:
        raise AlertClosed()
    alert.state, alert.assignee = AlertState.ASSIGNED, assignee
    _append(alert, _note_line(by, f"assigned to {assignee.get_username()}"))
    alert.save(update_fields=["state", "assignee", "notes"])
    return alert


@transaction.atomic
def add_note(*, alert: Alert, staff: Any, note: str) -> Alert:
    if not note.strip():
        raise NoteRequired()
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    _append(alert, _note_line(staff, note))
    alert.save(update_fields=["notes"])
    return alert


@transaction.atomic
def close(*, alert: Alert, staff: Any, note: str, escalated: bool) -> Alert:
    """Close with the reason written down: no action needed, or escalated (an STR filed, a
    freeze requested). A closed alert stays closed; a new hit opens a new one."""
    if not note.strip():
        raise NoteRequired()
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if not alert.is_open:
        raise AlertClosed()
    alert.state = AlertState.CLOSED_ESCALATED if escalated else AlertState.CLOSED_NO_ACTION
    alert.closed_at, alert.closed_by = timezone.now(), staff
    _append(alert, _note_line(staff, f"closed ({alert.get_state_display()}): {note}"))
    alert.save(update_fields=["state", "closed_at", "closed_by", "notes"])
    return alert


def request_freeze(*, alert: Alert, maker: Any, reason: str) -> str:
    """Ask, through maker-checker, for the alert's customer to be frozen. Nothing is frozen
    until a second staff member approves. Returns the request's id."""
    if not reason.strip():
        raise NoteRequired()
    customer = alert.customer
    if customer is None:
        raise NoWalletToFreeze()
    request_id = maker_checker.request_change(
        kind="freeze",
        maker=maker,
        reason=reason.strip(),
        payload={"customer": customer.pk},
        target=customer,
    )
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        alert.freeze_request = request_id
        _append(alert, _note_line(maker, f"freeze requested (request {request_id}): {reason}"))
        alert.save(update_fields=["freeze_request", "notes"])
    return request_id
