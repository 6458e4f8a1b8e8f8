"""Dormancy: warn a customer whose wallet has not moved for DORMANCY_MONTHS - 1 months, mark
it dormant at DORMANCY_MONTHS (reference/domain-and-security.md 1.5: Ghana, 12 months and an
SMS at least a month before; Uganda 9 months; 7B: "SMS warning 1 month before dormancy").

- Activity is any posting on any of the customer's wallets, found through the ledger's
  (account, id) indexes: the last posting id of each wallet, compared with the first posting
  of the cut-off day.
- Wallets with an open hold (a reversal, a dispute, a lien) are left alone, as are customers
  who are not active (frozen, closed).
- A wallet is marked dormant only if its warning went out at least a month earlier and nothing
  moved since, so a first run on old data warns first and marks a month later.
- Re-runs are idempotent: one notice per customer and period of silence, SMS deduplicated.
- The ledger refuses payments from a dormant wallet (`wallets_post`: not active). Bringing it
  back needs an ID check noted by compliance and a second person: `request_reactivation`.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from compliance import maker_checker
from compliance.errors import ComplianceRefused, NoteRequired
from compliance.models import DormancyNotice
from compliance.rules.base import fetch, first_posting_since
from ussd.sms.services import queue_sms
from wallets.models import Customer, CustomerStatus
from wallets.services import set_customer_status

SMS_PURPOSE = "dormancy"

DORMANCY_WARNING = _(
    # Translators: an SMS; keep it within 160 characters, plain letters only.
    "{service}: no transactions on your wallet since {since}. Transact by {deadline} to keep "
    "it active, or it becomes dormant and needs your ID to reactivate."
)
DORMANCY_MARKED = _(
    # Translators: an SMS sent when the wallet is marked dormant.
    "{service}: your wallet is now dormant after {months} months without transactions. "
    "Visit us with your ID to reactivate it."
)

INACTIVE_SQL = """
WITH wallets AS (
    SELECT a.customer_id, a.created_at,
           greatest(coalesce((SELECT max(p.id) FROM wallets_posting p
                               WHERE p.debit_account_id = a.id), 0),
                    coalesce((SELECT max(p.id) FROM wallets_posting p
                               WHERE p.credit_account_id = a.id), 0)) AS last_posting
      FROM wallets_account a
      JOIN wallets_customer c ON c.id = a.customer_id
     WHERE a.kind = 'customer_wallet' AND c.status = ANY(%(statuses)s)
       AND (%(customer)s::bigint IS NULL OR c.id = %(customer)s::bigint)
), silent AS (
    SELECT customer_id, max(last_posting) AS last_posting, min(created_at) AS opened_at
      FROM wallets GROUP BY customer_id
)
SELECT s.customer_id, s.last_posting, coalesce(t.created_at, s.opened_at) AS last_activity_at
  FROM silent s
  LEFT JOIN wallets_posting p ON p.id = s.last_posting
  LEFT JOIN wallets_transaction t ON t.id = p.transaction_id
 WHERE s.last_posting < %(cutoff_posting)s AND s.opened_at < %(cutoff)s
   AND NOT EXISTS (SELECT 1 FROM wallets_hold h JOIN wallets_account ha ON ha.id = h.account_id
                    WHERE ha.customer_id = s.customer_id AND h.state = 'open')
"""


@dataclass(frozen=True)
class DormancyRun:
    warned: int
    marked: int


def shift_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same local day and time `months` later (earlier if negative), clamped to the
    month's last day."""
    local = timezone.localtime(moment)
    year, month = divmod(local.year * 12 + local.month - 1 + months, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day)


def review_dormancy(*, now: datetime.datetime | None = None) -> DormancyRun:
    """Warn the customers about to become dormant, then mark those whose warning has run out."""
    now = now or timezone.now()
    months = settings.DORMANCY_MONTHS
    return DormancyRun(
        warned=warn_inactive(now=now, months=months), marked=mark_dormant(now=now, months=months)
    )


def inactive_since(
    cutoff: datetime.datetime, *, customer: int | None = None
) -> list[dict[str, Any]]:
    """Active customers with no posting since `cutoff` and no open hold."""
    return fetch(
        INACTIVE_SQL,
        {
            "statuses": [CustomerStatus.ACTIVE],
            "customer": customer,
            "cutoff": cutoff,
            "cutoff_posting": first_posting_since(cutoff),
        },
    )


def warn_inactive(*, now: datetime.datetime, months: int) -> int:
    warned = 0
    for row in inactive_since(shift_months(now, 1 - months)):
        with transaction.atomic():
            notice, created = DormancyNotice.objects.get_or_create(
                customer_id=row["customer_id"],
                last_posting_id=row["last_posting"],
                defaults={"last_activity_at": row["last_activity_at"], "warned_at": now},
            )
            if created:
                dormant_from = max(
                    shift_months(notice.last_activity_at, months), shift_months(now, 1)
                )
                _sms(
                    notice,
                    "warning",
                    DORMANCY_WARNING,
                    since=notice.last_activity_at,
                    deadline=dormant_from,
                )
                warned += 1
    return warned


def mark_dormant(*, now: datetime.datetime, months: int) -> int:
    due = DormancyNotice.objects.filter(
        marked_dormant_at__isnull=True,
        warned_at__lte=shift_months(now, -1),
        last_activity_at__lte=shift_months(now, -months),
        customer__status=CustomerStatus.ACTIVE,
    ).select_related("customer")
    marked = 0
    for notice in due:
        still = inactive_since(shift_months(now, -months), customer=notice.customer_id)
        if not still or still[0]["last_posting"] != notice.last_posting_id:
            continue  # it moved, or a hold appeared: a new period starts
        set_customer_status(
            notice.customer, CustomerStatus.DORMANT, only_from=[CustomerStatus.ACTIVE]
        )
        with transaction.atomic():
            DormancyNotice.objects.filter(pk=notice.pk).update(marked_dormant_at=now)
            _sms(notice, "dormant", DORMANCY_MARKED, months=months)
        marked += 1
    return marked


def _sms(notice: DormancyNotice, event: str, template: Promise, **values: Any) -> None:
    customer = notice.customer
    with translation.override(customer.language):
        text = str(template).format(
            service=settings.SERVICE_NAME,
            **{k: _date(v) if isinstance(v, datetime.datetime) else v for k, v in values.items()},
        )
    queue_sms(
        to=customer.phone,
        text=text,
        purpose=SMS_PURPOSE,
        dedup_key=f"dormancy:{notice.pk}:{event}",
        language=customer.language,
    )


def _date(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%d/%m/%Y}"


def request_reactivation(*, customer: Customer, maker: Any, note: str) -> str:
    """After checking the customer's ID, ask (maker-checker) for the dormant wallet to become
    active again; a second staff member approves it. Returns the request's id."""
    if not note.strip():
        raise NoteRequired()
    customer = Customer.objects.get(pk=customer.pk)
    if customer.status != CustomerStatus.DORMANT:
        raise ComplianceRefused(
            f"The wallet is {customer.get_status_display().lower()}, not dormant."
        )
    request_id = maker_checker.request_change(
        kind="unfreeze",
        maker=maker,
        reason=f"Reactivation of a dormant wallet after an ID check: {note.strip()}",
        payload={"customer": customer.pk},
        target=customer,
    )
    notice = DormancyNotice.objects.filter(customer=customer).order_by("-warned_at", "-id").first()
    if notice is not None:
        DormancyNotice.objects.filter(pk=notice.pk).update(
            reactivation_requested_by=maker,
            reactivation_requested_at=timezone.now(),
            reactivation_note=note.strip(),
            reactivation_request=request_id,
        )
    return request_id
