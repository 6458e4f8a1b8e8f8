"""KYC tier upgrades: documents captured, the customer screened against the sanctions list,
then the tier change approved by two people (maker-checker, the approvals app).

submitted -> screened (clear, or a potential match that compliance must clear with a note)
          -> awaiting approval -> approved / rejected

Document scans are personal data: they are stored under MEDIA_ROOT with random names and
served only through a permission-checked admin view (`KycDocumentStorage.url`), never by a
public media URL.
"""

from __future__ import annotations

import pathlib
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from wallets.models.customers import KycTier

DOCUMENT_EXTENSIONS = ["pdf", "jpg", "jpeg", "png"]
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


class KycDocumentStorage(FileSystemStorage):
    """MEDIA_ROOT on disk; links point at the admin view that checks permissions."""

    def url(self, name: str | None) -> str:
        return reverse("admin:compliance_tierupgrade_document", args=[name])


def kyc_storage() -> KycDocumentStorage:
    return KycDocumentStorage()


def document_path(document: UpgradeDocument, filename: str) -> str:
    """A random name (no customer data in paths), keeping only a known extension."""
    extension = pathlib.Path(filename).suffix.lower()
    return f"kyc/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


def validate_size(file: models.fields.files.FieldFile) -> None:
    if file.size > DOCUMENT_MAX_BYTES:
        raise ValidationError(f"A document may be at most {DOCUMENT_MAX_BYTES // 2**20} MB.")


class UpgradeState(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    SCREENED = "screened", "Screened"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval (maker-checker)"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


DECIDED_STATES = (UpgradeState.APPROVED, UpgradeState.REJECTED)


class Screening(models.TextChoices):
    PENDING = "pending", "Not screened yet"
    CLEAR = "clear", "Clear"
    POTENTIAL_MATCH = "potential_match", "Potential match: compliance must clear it"
    CLEARED = "cleared", "Potential match cleared by compliance"


class TierUpgrade(models.Model):
    customer = models.ForeignKey(
        "wallets.Customer", on_delete=models.PROTECT, related_name="tier_upgrades"
    )
    requested_tier = models.CharField(max_length=8, choices=KycTier.choices)
    state = models.CharField(
        max_length=20, choices=UpgradeState.choices, default=UpgradeState.SUBMITTED
    )
    screening = models.CharField(
        max_length=16, choices=Screening.choices, default=Screening.PENDING
    )
    matches = models.JSONField(default=list, blank=True, help_text="Sanctions list matches.")
    sanctions_load = models.ForeignKey(
        "compliance.SanctionsLoad",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The list version screened against.",
    )
    screened_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cleared_at = models.DateTimeField(null=True, blank=True)
    clearance_note = models.TextField(blank=True)
    approval_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approval_requested_at = models.DateTimeField(null=True, blank=True)
    approval_request = models.CharField(
        max_length=64, blank=True, help_text="The maker-checker request for the tier change."
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        permissions = [("clear_sanctions_match", "Can clear a potential sanctions match")]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=~Q(state__in=["approved", "rejected"]),
                name="compliance_one_open_upgrade_per_customer",
            ),
            models.CheckConstraint(
                condition=~Q(screening="cleared") | ~Q(clearance_note=""),
                name="compliance_clearance_has_a_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} to {self.get_requested_tier_display()}"

    @property
    def is_decided(self) -> bool:
        return self.state in DECIDED_STATES


class DocumentKind(models.TextChoices):
    ID_SCAN = "id_scan", "ID document scan (both sides)"
    PASSPORT_SCAN = "passport_scan", "Passport scan"
    PROOF_OF_ADDRESS = "proof_of_address", "Proof of address"
    PHOTO = "photo", "Photo of the customer"
    OTHER = "other", "Other"


class UpgradeDocument(models.Model):
    upgrade = models.ForeignKey(TierUpgrade, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    file = models.FileField(
        upload_to=document_path,
        storage=kyc_storage,
        max_length=200,
        validators=[FileExtensionValidator(DOCUMENT_EXTENSIONS), validate_size],
    )
    original_name = models.CharField(max_length=255, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["upgrade", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name or self.file.name}"
