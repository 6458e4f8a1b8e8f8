"""The tier upgrade workflow: capture documents, screen, clear, ask for approval.

    submit_upgrade     -> submitted, then screened at once (if a list is loaded)
    screen_upgrade     -> screened: clear, or a potential match
    clear_match        -> a potential match cleared by compliance, with a note
    request_approval   -> awaiting approval: a maker-checker request for the tier change
    settle_decided     -> approved, once the approved change shows on the customer
    reject_upgrade     -> rejected, with a note

A potential match blocks the request for approval until someone with the
`compliance.clear_sanctions_match` permission clears it; the tier itself changes only when a
second staff member approves the request in the approvals app.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from compliance import maker_checker
from compliance.errors import NoteRequired, UpgradeRefused
from compliance.models import (
    DECIDED_STATES,
    Screening,
    TierUpgrade,
    UpgradeDocument,
    UpgradeState,
)
from compliance.sanctions import NoSanctionsList, current_load, screen
from wallets.models import Customer, KycTier

TIER_ORDER = [str(tier) for tier in KycTier.values]
SCREENABLE = (UpgradeState.SUBMITTED, UpgradeState.SCREENED)


def check_submission(*, customer: Customer, tier: str) -> None:
    """Refuse a tier that is not above the customer's, or a second upgrade in progress."""
    if tier not in TIER_ORDER:
        raise UpgradeRefused(f"{tier} is not a KYC tier.")
    if TIER_ORDER.index(tier) <= TIER_ORDER.index(customer.kyc_tier):
        raise UpgradeRefused(f"The customer is already on {customer.get_kyc_tier_display()}.")
    if TierUpgrade.objects.filter(customer=customer).exclude(state__in=DECIDED_STATES).exists():
        raise UpgradeRefused("This customer already has an upgrade in progress.")


@transaction.atomic
def submit_upgrade(
    *,
    customer: Customer,
    tier: str,
    submitted_by: Any = None,
    documents: Iterable[tuple[str, File]] = (),
    now: datetime.datetime | None = None,
) -> TierUpgrade:
    """Record a request for `tier` with its documents and screen the customer at once."""
    check_submission(customer=customer, tier=tier)
    upgrade = TierUpgrade.objects.create(
        customer=customer,
        requested_tier=tier,
        submitted_by=submitted_by,
        submitted_at=now or timezone.now(),
    )
    for kind, file in documents:
        add_document(upgrade=upgrade, kind=kind, file=file, uploaded_by=submitted_by)
    try:
        return screen_upgrade(upgrade, now=now)
    except NoSanctionsList:
        return upgrade  # stays "submitted"; screened when a list is loaded


def add_document(
    *, upgrade: TierUpgrade, kind: str, file: File, uploaded_by: Any = None
) -> UpgradeDocument:
    if upgrade.is_decided:
        raise UpgradeRefused("This upgrade is decided; start a new one to add documents.")
    document = UpgradeDocument(
        upgrade=upgrade,
        kind=kind,
        file=file,
        uploaded_by=uploaded_by,
        original_name=(file.name or "")[:255],
    )
    document.full_clean()  # extension and size, before anything is written to disk
    document.save()
    return document


@transaction.atomic
def screen_upgrade(upgrade: TierUpgrade, *, now: datetime.datetime | None = None) -> TierUpgrade:
    """Screen the customer against the list in force. A potential match found again after
    compliance cleared it stays cleared; any other match needs clearing (again)."""
    upgrade = TierUpgrade.objects.select_for_update().select_related("customer").get(pk=upgrade.pk)
    if upgrade.state not in SCREENABLE:
        raise UpgradeRefused("Only upgrades not yet sent for approval are screened.")
    load = current_load()
    customer = upgrade.customer
    found = [
        m.as_dict()
        for m in screen(customer.name, customer.date_of_birth, customer.id_number, load=load)
    ]
    already_cleared = upgrade.screening == Screening.CLEARED and _same_entries(
        found, upgrade.matches
    )
    if not found:
        upgrade.screening = Screening.CLEAR
    elif not already_cleared:
        upgrade.screening = Screening.POTENTIAL_MATCH
        upgrade.cleared_by, upgrade.cleared_at, upgrade.clearance_note = None, None, ""
    upgrade.matches, upgrade.sanctions_load = found, load
    upgrade.state, upgrade.screened_at = UpgradeState.SCREENED, now or timezone.now()
    upgrade.save()
    return upgrade


def _same_entries(found: list[dict[str, Any]], before: list[dict[str, Any]]) -> bool:
    def keys(matches: list[dict[str, Any]]) -> set[tuple[str, str]]:
        return {(m["list_name"], m["entry_id"]) for m in matches}

    return keys(found) <= keys(before)


def rescreen_open_upgrades() -> int:
    """Screen again every upgrade not yet sent for approval (after a new list is loaded)."""
    screened = 0
    for upgrade in TierUpgrade.objects.filter(state__in=SCREENABLE):
        screen_upgrade(upgrade)
        screened += 1
    return screened


@transaction.atomic
def clear_match(*, upgrade: TierUpgrade, staff: Any, note: str) -> TierUpgrade:
    """Compliance looked at the potential match and found it is not this customer."""
    if not note.strip():
        raise NoteRequired()
    upgrade = TierUpgrade.objects.select_for_update().get(pk=upgrade.pk)
    if upgrade.screening != Screening.POTENTIAL_MATCH or upgrade.state != UpgradeState.SCREENED:
        raise UpgradeRefused("Only a screened upgrade with a potential match can be cleared.")
    upgrade.screening, upgrade.clearance_note = Screening.CLEARED, note.strip()
    upgrade.cleared_by, upgrade.cleared_at = staff, timezone.now()
    upgrade.save()
    return upgrade


def request_approval(*, upgrade: TierUpgrade, maker: Any, reason: str) -> TierUpgrade:
    """Ask, through maker-checker, for the customer's tier to change. Refused while the
    screening is not clear (or cleared) or no document was captured."""
    if not reason.strip():
        raise NoteRequired()
    upgrade = TierUpgrade.objects.select_related("customer").get(pk=upgrade.pk)
    if upgrade.state != UpgradeState.SCREENED:
        raise UpgradeRefused("The upgrade must be screened first, and not sent already.")
    if upgrade.screening == Screening.POTENTIAL_MATCH:
        raise UpgradeRefused("A potential sanctions match must be cleared by compliance first.")
    if upgrade.screening not in (Screening.CLEAR, Screening.CLEARED):
        raise UpgradeRefused("The customer has not been screened.")
    if not upgrade.documents.exists():
        raise UpgradeRefused("Capture at least one document first.")
    request_id = maker_checker.request_change(
        kind="kyc_tier",
        maker=maker,
        reason=reason.strip(),
        payload={"customer": upgrade.customer_id, "tier": upgrade.requested_tier},
        target=upgrade.customer,
    )
    TierUpgrade.objects.filter(pk=upgrade.pk, state=UpgradeState.SCREENED).update(
        state=UpgradeState.AWAITING_APPROVAL,
        approval_request=request_id,
        approval_requested_by=maker,
        approval_requested_at=timezone.now(),
    )
    upgrade.refresh_from_db()
    return upgrade


@transaction.atomic
def reject_upgrade(*, upgrade: TierUpgrade, staff: Any, note: str) -> TierUpgrade:
    if not note.strip():
        raise NoteRequired()
    upgrade = TierUpgrade.objects.select_for_update().get(pk=upgrade.pk)
    if upgrade.is_decided:
        raise UpgradeRefused("This upgrade is already decided.")
    upgrade.state, upgrade.decided_at = UpgradeState.REJECTED, timezone.now()
    upgrade.decision_note = f"{staff.get_username()}: {note.strip()}"
    upgrade.save()
    return upgrade


def settle_decided(now: datetime.datetime | None = None) -> int:
    """Follow the maker-checker decisions: an upgrade awaiting approval whose customer now has
    the requested tier is approved; one whose request was rejected (or failed) is rejected."""
    now = now or timezone.now()
    waiting = TierUpgrade.objects.filter(state=UpgradeState.AWAITING_APPROVAL)
    settled = waiting.filter(customer__kyc_tier=F("requested_tier")).update(
        state=UpgradeState.APPROVED,
        decided_at=now,
        decision_note="Tier applied after maker-checker approval.",
    )
    requests = dict(waiting.exclude(approval_request="").values_list("approval_request", "pk"))
    for request_id, state in maker_checker.refused_requests(requests).items():
        settled += waiting.filter(pk=requests[request_id]).update(
            state=UpgradeState.REJECTED,
            decided_at=now,
            decision_note=f"Maker-checker request {request_id} ended {state}.",
        )
    return settled
