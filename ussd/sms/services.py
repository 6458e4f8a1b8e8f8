"""Queue, send and track outbound SMS. The `SmsMessage` table is the SMS outbox.

- `queue_sms` adds a message to the caller's database transaction, once per `dedup_key`,
  and asks a worker to send it after commit.
- `send_message` sends one queued message. Its row stays locked (`FOR UPDATE SKIP LOCKED`)
  for the length of the provider call, so the task, its retries and the sweep never send
  the same message at the same time; the SDK's timeouts bound how long the lock is held.
  A sealed secret in it (`sealed.py`) is rendered for the gateway only, in memory, and the
  seal is masked in the row once the message is final.
- `claim_overdue_messages` is the sweep: queued messages a lost task left behind.
- `record_delivery_report` stores a report and moves the message forward, never back.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.utils import timezone

from ussd.sms import conf, sealed
from ussd.sms.backends import SendResult, SmsBackend, get_backend
from ussd.sms.models import DeliveryReport, ReportOutcome, SmsMessage, SmsState
from wallets.errors import InvalidPhoneNumber
from wallets.phones import normalize_phone

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FIRST_RETRY_SECONDS = 30  # then 60, 120, 240: about 7.5 minutes before giving up
SWEEP_BATCH = 500
# Delivery report statuses (reference/ecosystem.md 2.5); the rest are on the way.
DELIVERED_STATUSES = {"Success"}
UNDELIVERABLE_STATUSES = {"Rejected", "Failed", "Expired"}


@dataclass(frozen=True)
class SendOutcome:
    state: str  # the message's state afterwards, or "skipped" if it was not ours to send
    retry_in: int | None = None  # seconds until the next attempt, if there is one


def queue_sms(
    *, to: str, text: str, purpose: str, dedup_key: str, language: str = "en", reference: str = ""
) -> SmsMessage:
    """Add a message to the current transaction; the same `dedup_key` never adds a second."""
    to = normalize_phone(to)
    with transaction.atomic():
        message, created = SmsMessage.objects.get_or_create(
            dedup_key=dedup_key,
            defaults={
                "to": to,
                "text": text,
                "purpose": purpose,
                "language": language,
                "reference": reference,
            },
        )
        if created:
            transaction.on_commit(partial(_ask_worker_to_send, message.pk))
    return message


def _ask_worker_to_send(message_id: int) -> None:
    """If the broker is down the message waits in the table for the sweep, so never raise."""
    from ussd.sms.tasks import send_sms

    try:
        send_sms.delay(message_id)
    except Exception:
        logger.warning("could not queue SMS %s; the sweep will send it", message_id, exc_info=True)


@transaction.atomic(durable=True)
def send_message(message_id: int) -> SendOutcome:
    """Send a queued message once; a transient failure leaves it queued with a retry time."""
    message = (
        SmsMessage.objects.select_for_update(skip_locked=True)
        .filter(pk=message_id, state=SmsState.QUEUED)
        .first()
    )
    if message is None:  # sent, failed, or being sent by another worker right now
        return SendOutcome("skipped")
    backend = get_backend()
    result = _call(backend, message)
    return _record_attempt(message, backend, result)


def _call(backend: SmsBackend, message: SmsMessage) -> SendResult:
    secret = sealed.is_sealed(message.text)
    text = message.text
    if secret:  # rendered in memory only; a backend that reaches no phone gets it masked
        phones = getattr(backend, "reaches_phones", True)
        text = sealed.unseal(text) if phones else sealed.conceal(text)
    try:
        return backend.send(message.to, text)
    except Exception as error:  # a bug or a time limit: count the attempt, try again later
        if secret:  # the error or its traceback could quote the text: name the error only
            name = type(error).__name__
            logger.error("SMS %s: the %s backend raised %s", message.pk, backend.name, name)
            return SendResult(error=name, retry=True)
        logger.exception("SMS %s: the %s backend raised", message.pk, backend.name)
        return SendResult(error=f"{type(error).__name__}: {error}"[:500], retry=True)


def _record_attempt(message: SmsMessage, backend: SmsBackend, result: SendResult) -> SendOutcome:
    now = timezone.now()
    message.attempts += 1
    message.backend = backend.name
    message.provider_status_code = result.status_code
    message.provider_status = result.status[:64]
    message.provider_message_id = result.provider_id[:100]
    message.last_error = sealed.scrub(result.error, message.text)[:2000]
    retry_in = None
    if result.ok:
        message.state, message.sent_at = SmsState.SENT, now
    elif result.retry and message.attempts < MAX_ATTEMPTS:
        retry_in = FIRST_RETRY_SECONDS * 2 ** (message.attempts - 1)
        message.next_attempt_at = now + datetime.timedelta(seconds=retry_in)
    else:
        message.state, message.failed_at = SmsState.FAILED, now
        logger.warning("SMS %s failed after %d attempt(s)", message.pk, message.attempts)
    if message.state != SmsState.QUEUED:  # final: no attempt will need the secret again
        message.text = sealed.conceal(message.text)
    message.save()
    if result.ok:
        _apply_early_reports(message)
    return SendOutcome(message.state, retry_in)


def _apply_early_reports(message: SmsMessage) -> None:
    """A report can overtake the commit of the send that it reports on: it was stored as
    unknown then, and is applied now."""
    early = DeliveryReport.objects.filter(
        provider_message_id=message.provider_message_id, message__isnull=True
    ).order_by("id")
    for report in early:
        report.message = message
        report.outcome = _apply(message, report)
        report.save(update_fields=["message", "outcome"])


@transaction.atomic(durable=True)
def claim_overdue_messages(*, older_than: float | None = None) -> list[int]:
    """Queued messages due more than `older_than` seconds ago (a task was lost, or the
    broker was down). Their due time moves on, so the next sweep leaves them to the task
    it queues now unless that task is lost too."""
    now = timezone.now()
    seconds = conf.sweep_after_seconds() if older_than is None else older_than
    ids = list(
        SmsMessage.objects.select_for_update(skip_locked=True)
        .filter(
            state=SmsState.QUEUED, next_attempt_at__lte=now - datetime.timedelta(seconds=seconds)
        )
        .order_by("id")
        .values_list("id", flat=True)[:SWEEP_BATCH]
    )
    SmsMessage.objects.filter(pk__in=ids).update(next_attempt_at=now)
    return ids


@transaction.atomic(durable=True)
def record_delivery_report(
    *,
    provider_message_id: str,
    status: str,
    phone_number: str,
    network_code: str = "",
    failure_reason: str = "",
    retry_count: str = "",
) -> DeliveryReport:
    """Store a report; apply it to its message if it moves the message forward."""
    message = (
        SmsMessage.objects.select_for_update()
        .filter(provider_message_id=provider_message_id)
        .order_by("id")
        .first()
    )
    report = DeliveryReport(
        message=message,
        provider_message_id=provider_message_id,
        status=status,
        phone_number=phone_number,
        network_code=network_code,
        failure_reason=failure_reason,
        retry_count=retry_count,
        outcome=ReportOutcome.UNKNOWN,
    )
    if message is None:
        logger.info("delivery report for unknown message %s (%s)", provider_message_id, status)
    else:
        report.outcome = _apply(message, report)
    report.save()
    return report


def _apply(message: SmsMessage, report: DeliveryReport) -> str:
    if not _same_phone(message.to, report.phone_number):
        return ReportOutcome.MISMATCH
    # Reports come late, twice or out of order: only a sent message moves, and only once
    # to a final state.
    if message.state != SmsState.SENT:
        return ReportOutcome.IGNORED
    message.provider_status = report.status[:64]
    message.failure_reason = report.failure_reason[:64]
    if report.status in DELIVERED_STATUSES:
        message.state, message.delivered_at = SmsState.DELIVERED, report.received_at
    elif report.status in UNDELIVERABLE_STATUSES:
        message.state = SmsState.UNDELIVERABLE
    message.save(update_fields=["state", "delivered_at", "provider_status", "failure_reason"])
    return ReportOutcome.APPLIED


def _same_phone(expected: str, reported: str) -> bool:
    if not reported:
        return True
    try:
        return normalize_phone(reported) == expected
    except InvalidPhoneNumber:
        return False
