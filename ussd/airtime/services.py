"""Record, send and refund airtime requests.

- `record_request` is the outbox handler of "transaction.posted": one `AirtimeRequest` per
  airtime transaction (a OneToOne), and a task queued after commit.
- `send_request` asks Africa's Talking once. The row stays locked (`FOR UPDATE SKIP LOCKED`,
  state `requested`) for the call, so the task, its retries and the sweep never send the
  same request at the same time; the call carries the transaction's reference as AT's
  `Idempotency-Key`, so a retry after a crash between AT's answer and our commit is not a
  second top-up either.
- `refund_request` reverses a failed request's transaction: the reversal is idempotent
  (keyed on the original reference), so it is posted once however often this runs.
"""

from __future__ import annotations

import datetime
import json
import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

import africastalking
import requests
from africastalking.Service import AfricasTalkingException
from django.db import transaction
from django.utils import timezone

from ussd.airtime import conf
from ussd.airtime.models import AirtimeRequest, AirtimeState
from ussd.sms import conf as at_conf
from wallets import errors, services
from wallets.models import Channel, OutboxMessage, TransactionKind
from wallets.money import format_plain

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
FIRST_RETRY_SECONDS = 30  # then 60, 120: about 3.5 minutes before giving up and refunding
SWEEP_BATCH = 200
# Per-recipient statuses AT answers with: the airtime is on its way (AT may retry it itself).
ACCEPTED_STATUSES = {"Sent", "Success", "Queued"}


@dataclass(frozen=True)
class SendResult:
    ok: bool = False
    retry: bool = False  # a failure that may pass if tried again later
    request_id: str = ""
    response: str = ""
    error: str = ""


@dataclass(frozen=True)
class SendOutcome:
    state: str  # the request's state afterwards, or "skipped" if it was not ours to send
    retry_in: int | None = None


def record_request(message: OutboxMessage) -> None:
    """Outbox handler: make the airtime transaction's request, once however often called."""
    posted = message.transaction
    if posted is None or posted.kind != TransactionKind.AIRTIME:
        return
    request, created = AirtimeRequest.objects.get_or_create(
        transaction=posted,
        defaults={
            "phone": posted.metadata["airtime_phone"],
            "amount": posted.amount,
            "currency": posted.currency,
        },
    )
    if created:
        transaction.on_commit(partial(_ask_worker_to_send, request.pk))


def _ask_worker_to_send(request_id: int) -> None:
    """If the broker is down the request waits in the table for the sweep, so never raise."""
    from ussd.airtime.tasks import send_airtime

    try:
        send_airtime.delay(request_id)
    except Exception:
        logger.warning("could not queue airtime %s; the sweep will send it", request_id)


def send_request(request_id: int) -> SendOutcome:
    """Ask AT for a requested top-up once; a failure that will not pass is refunded."""
    with transaction.atomic(durable=True):
        request = (
            AirtimeRequest.objects.select_for_update(skip_locked=True)
            .select_related("transaction")
            .filter(pk=request_id, state=AirtimeState.REQUESTED)
            .first()
        )
        if request is None:  # sent, refunded, or being sent by another worker right now
            return SendOutcome("skipped")
        request.attempts += 1
        result = call_provider(request)
        request.provider_response = result.response[:2000]
        request.updated_at = timezone.now()
        retry_in = None
        if result.ok:
            request.state = AirtimeState.SENT
            request.provider_request_id = result.request_id[:100]
            request.last_error = ""
        else:
            request.last_error = result.error[:2000]
            if result.retry and request.attempts < MAX_ATTEMPTS:
                retry_in = FIRST_RETRY_SECONDS * 2 ** (request.attempts - 1)
            else:
                request.state = AirtimeState.FAILED
        request.save()
    if request.state == AirtimeState.FAILED:
        # Outside the lock's transaction: a posting is a durable transaction of its own.
        return SendOutcome(refund_request(request_id))
    return SendOutcome(request.state, retry_in)


def refund_request(request_id: int) -> str:
    """Reverse a failed request's transaction (once) and mark it refunded; the new state."""
    request = AirtimeRequest.objects.select_related("transaction").get(pk=request_id)
    if request.state != AirtimeState.FAILED:
        return str(request.state)
    try:
        services.reverse_transaction(
            original=request.transaction,
            reason=f"airtime failed: {request.last_error}"[:500],
            channel=Channel.SYSTEM,
            initiator="airtime",
        )
    except errors.LedgerError:
        # Left failed for the back office and the sweep; the customer's money is not lost.
        logger.exception("could not refund airtime request %s", request_id)
        return str(request.state)
    AirtimeRequest.objects.filter(pk=request_id, state=AirtimeState.FAILED).update(
        state=AirtimeState.REFUNDED, updated_at=timezone.now()
    )
    return AirtimeState.REFUNDED


def call_provider(request: AirtimeRequest) -> SendResult:
    """Send through the configured backend: Africa's Talking, or the console (development)."""
    if conf.backend_name() == "africastalking":
        return call_africastalking(request)
    logger.info(
        "console airtime: %s of airtime for %s recorded, not sent",
        format_plain(request.amount, request.currency),
        request.phone,
    )
    return SendResult(ok=True, request_id=f"console-{request.pk}", response="console backend")


def call_africastalking(request: AirtimeRequest) -> SendResult:
    """One `AirtimeService.send`; never raises for a refused or failed send."""
    # Built per call: the SDK keeps the Idempotency-Key header on the service object.
    airtime: Any = africastalking.AirtimeService(at_conf.at_username(), at_conf.at_api_key())
    try:
        response = airtime.send(
            phone_number=request.phone,
            amount=format_plain(request.amount, request.currency).replace(",", ""),
            currency_code=request.currency,
            idempotency_key=f"airtime:{request.transaction.reference}",
        )
    except ValueError as error:  # the SDK refuses a number or amount it cannot send
        return SendResult(error=str(error))
    except (requests.RequestException, AfricasTalkingException) as error:
        # A timeout, a refused connection or a non-2xx answer (the body is the message).
        return SendResult(error=f"{type(error).__name__}: {error}"[:500], retry=True)
    return parse_at_response(response)


def parse_at_response(response: object) -> SendResult:
    """Read `responses[0]` for our one recipient (reference/ecosystem.md 2.8)."""
    data = response
    if isinstance(data, str):  # a content-type other than exactly "application/json"
        try:
            data = json.loads(data)
        except ValueError:
            data = None
    if not isinstance(data, dict):
        # A 2xx we cannot read: AT may or may not have taken it. The retry carries the same
        # Idempotency-Key, so asking again cannot top up twice.
        return SendResult(retry=True, error=f"Unreadable response: {str(response)[:200]}")
    text = json.dumps(data)
    recipients = data.get("responses") or []
    if not recipients:
        error = str(data.get("errorMessage") or "No recipient in response")
        return SendResult(response=text, error=error)
    first = recipients[0]
    status = str(first.get("status") or "")
    request_id = str(first.get("requestId") or "")
    if status in ACCEPTED_STATUSES:
        return SendResult(ok=True, request_id=request_id, response=text)
    error = str(first.get("errorMessage") or "")
    return SendResult(response=text, error=f"{status} {error}".strip() or "Failed")


def claim_stale_requests(older_than: float = 300) -> tuple[list[int], list[int]]:
    """The sweep: (requests a lost task left unsent, failed requests whose refund is due)."""
    before = timezone.now() - datetime.timedelta(seconds=older_than)
    stale = AirtimeRequest.objects.filter(updated_at__lt=before).order_by("id")
    unsent = stale.filter(state=AirtimeState.REQUESTED).values_list("pk", flat=True)
    failed = stale.filter(state=AirtimeState.FAILED).values_list("pk", flat=True)
    return list(unsent[:SWEEP_BATCH]), list(failed[:SWEEP_BATCH])
