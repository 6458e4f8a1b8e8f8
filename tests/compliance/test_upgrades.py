"""Tier upgrades: documents, screening, a potential match that blocks until cleared, and the
tier change through maker-checker (a second person approves in the approvals app)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals import services as approvals
from approvals.models import ChangeRequest
from compliance import upgrades
from compliance.errors import NoteRequired, UpgradeRefused
from compliance.models import DocumentKind, Screening, TierUpgrade, UpgradeState
from compliance.sanctions import load_list
from tests.compliance.conftest import person
from wallets.models import KycTier

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[2] / "compliance" / "sanctions" / "example_list.csv"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def sanctions_list(db):
    return load_list(EXAMPLE.read_bytes(), file_name=EXAMPLE.name).load


@pytest.fixture
def maker(django_user_model):
    return django_user_model.objects.create_superuser("makena", "makena@example.org", "x")


@pytest.fixture
def checker(django_user_model):
    return django_user_model.objects.create_superuser("chege", "chege@example.org", "x")


def id_scan() -> SimpleUploadedFile:
    return SimpleUploadedFile("national-id.pdf", b"%PDF-1.4 fictitious scan", "application/pdf")


def submit(customer, maker, **kwargs):
    return upgrades.submit_upgrade(
        customer=customer,
        tier=KycTier.TIER_2,
        submitted_by=maker,
        documents=[(DocumentKind.ID_SCAN, id_scan())],
        **kwargs,
    )


def test_a_clear_customer_goes_to_approval_and_is_upgraded_once_a_second_person_approves(
    sanctions_list, maker, checker
):
    customer = person("+254777000001", "Wambui Karanja", id_number="24000001")
    upgrade = submit(customer, maker)
    assert (upgrade.state, upgrade.screening) == (UpgradeState.SCREENED, Screening.CLEAR)
    assert upgrade.sanctions_load == sanctions_list
    [document] = upgrade.documents.all()
    assert document.original_name == "national-id.pdf"
    assert document.file.name.startswith("kyc/")
    assert "national" not in document.file.name

    upgrade = upgrades.request_approval(upgrade=upgrade, maker=maker, reason="ID seen at branch")

    assert upgrade.state == UpgradeState.AWAITING_APPROVAL
    change = ChangeRequest.objects.get(pk=int(upgrade.approval_request))
    assert (change.kind, change.payload) == ("kyc_tier", {"customer": customer.pk, "tier": "tier2"})
    customer.refresh_from_db()
    assert customer.kyc_tier == KycTier.TIER_1  # nothing changes before approval
    assert upgrades.settle_decided() == 0

    approvals.approve(change=change, checker=checker, note="documents match")
    assert upgrades.settle_decided() == 1

    upgrade.refresh_from_db()
    customer.refresh_from_db()
    assert (upgrade.state, customer.kyc_tier) == (UpgradeState.APPROVED, KycTier.TIER_2)


def test_a_rejected_maker_checker_request_rejects_the_upgrade(sanctions_list, maker, checker):
    customer = person("+254777000002", "Kerubo Moraa", id_number="24000002")
    upgrade = upgrades.request_approval(
        upgrade=submit(customer, maker), maker=maker, reason="ID seen"
    )

    approvals.reject(
        change=ChangeRequest.objects.get(pk=int(upgrade.approval_request)),
        checker=checker,
        note="photo unreadable",
    )
    upgrades.settle_decided()

    upgrade.refresh_from_db()
    assert upgrade.state == UpgradeState.REJECTED


def test_a_potential_sanctions_match_blocks_the_upgrade_until_compliance_clears_it(
    sanctions_list, maker
):
    namesake = person(
        "+254777000003",
        "Amina Wairimu Testadata",
        id_number="24000003",
        date_of_birth=datetime.date(1985, 11, 2),
    )
    upgrade = submit(namesake, maker)
    assert upgrade.screening == Screening.POTENTIAL_MATCH
    assert [m["entry_id"] for m in upgrade.matches] == ["FICT-003"]

    with pytest.raises(UpgradeRefused, match="must be cleared"):
        upgrades.request_approval(upgrade=upgrade, maker=maker, reason="ID seen")
    with pytest.raises(NoteRequired):
        upgrades.clear_match(upgrade=upgrade, staff=maker, note="  ")
    assert not ChangeRequest.objects.exists()

    upgrades.clear_match(upgrade=upgrade, staff=maker, note="Different ID number and village")
    upgrade = upgrades.request_approval(upgrade=upgrade, maker=maker, reason="ID seen")

    assert upgrade.state == UpgradeState.AWAITING_APPROVAL
    assert upgrade.screening == Screening.CLEARED


def test_screening_again_keeps_a_cleared_match_but_flags_a_new_one(sanctions_list, maker, tmp_path):
    customer = person("+254777000004", "Fatuma Hassan Imaginary", id_number="24000004")
    upgrade = submit(customer, maker)
    upgrades.clear_match(upgrade=upgrade, staff=maker, note="not her")
    assert upgrades.screen_upgrade(upgrade).screening == Screening.CLEARED

    content = EXAMPLE.read_bytes() + b"OTHER LIST,O-1,Fatma Imaginary Hasan,,,,\n"
    load_list(content, file_name="with-another.csv")
    assert upgrades.rescreen_open_upgrades() == 1

    upgrade.refresh_from_db()
    assert upgrade.screening == Screening.POTENTIAL_MATCH
    assert upgrade.clearance_note == ""


def test_an_id_number_on_the_list_is_a_potential_match_whatever_the_name(sanctions_list, maker):
    customer = person("+254777000005", "Odhiambo Otieno", id_number="99000011")

    upgrade = submit(customer, maker)

    assert upgrade.screening == Screening.POTENTIAL_MATCH
    assert upgrade.matches[0]["reason"] == "id_number"
    assert upgrade.matches[0]["strong"] is True


def test_no_approval_without_screening_or_documents(maker, db):
    customer = person("+254777000006", "Nduta Wanjiru", id_number="24000006")
    upgrade = upgrades.submit_upgrade(customer=customer, tier=KycTier.TIER_2, submitted_by=maker)
    assert upgrade.state == UpgradeState.SUBMITTED  # no list loaded: not screened

    with pytest.raises(UpgradeRefused, match="screened first"):
        upgrades.request_approval(upgrade=upgrade, maker=maker, reason="ID seen")
    load_list(EXAMPLE.read_bytes(), file_name=EXAMPLE.name)
    upgrade = upgrades.screen_upgrade(upgrade)
    with pytest.raises(UpgradeRefused, match="at least one document"):
        upgrades.request_approval(upgrade=upgrade, maker=maker, reason="ID seen")


def test_an_upgrade_must_raise_the_tier_and_only_one_runs_at_a_time(sanctions_list, maker):
    customer = person("+254777000007", "Atieno Auma", id_number="24000007")
    with pytest.raises(UpgradeRefused, match="already on"):
        upgrades.submit_upgrade(customer=customer, tier=KycTier.TIER_1, submitted_by=maker)
    submit(customer, maker)
    with pytest.raises(UpgradeRefused, match="in progress"):
        submit(customer, maker)
    assert TierUpgrade.objects.filter(customer=customer).count() == 1


def test_a_document_of_another_type_is_refused(sanctions_list, maker):
    customer = person("+254777000008", "Mumbi Gitau", id_number="24000008")
    upgrade = upgrades.submit_upgrade(customer=customer, tier=KycTier.TIER_2, submitted_by=maker)
    script = SimpleUploadedFile("id.html", b"<script></script>", "text/html")

    with pytest.raises(ValidationError, match="extension"):
        upgrades.add_document(upgrade=upgrade, kind=DocumentKind.ID_SCAN, file=script)
    assert not upgrade.documents.exists()
