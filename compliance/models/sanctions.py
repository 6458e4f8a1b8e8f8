"""The sanctions list in force, loaded from a file (see `compliance.sanctions.loader`).

Each load is recorded with the file's SHA-256, who loaded it and when; only the current load
keeps its entries, and a new load replaces them in one database transaction, so screening
sees the old list or the new one, never a mix. Entries keep their names and ID numbers already
normalised for matching, so screening does not re-normalise the whole list on every call.
"""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone


class SanctionsLoad(models.Model):
    file_name = models.CharField(max_length=255)
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the file as loaded.")
    lists = models.CharField(max_length=255, blank=True, help_text="The list names it held.")
    entry_count = models.PositiveIntegerField(default=0)
    loaded_by = models.CharField(max_length=150, blank=True)
    loaded_at = models.DateTimeField(default=timezone.now)
    current = models.BooleanField(default=False)

    class Meta:
        ordering = ["-loaded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["current"], condition=Q(current=True), name="compliance_one_current_list"
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.entry_count} entries, {self.loaded_at:%Y-%m-%d %H:%M})"


class SanctionsEntry(models.Model):
    load = models.ForeignKey(SanctionsLoad, on_delete=models.CASCADE, related_name="entries")
    list_name = models.CharField(max_length=100)
    entry_id = models.CharField(max_length=64)
    full_name = models.CharField(max_length=255)
    aliases = models.JSONField(default=list, blank=True)
    dates_of_birth = models.JSONField(
        default=list, blank=True, help_text='"YYYY-MM-DD" or, when only the year is known, "YYYY".'
    )
    nationality = models.CharField(max_length=100, blank=True)
    id_numbers = models.JSONField(default=list, blank=True, help_text="Normalised ID numbers.")
    names = models.JSONField(default=list, help_text="Normalised full name and aliases.")

    class Meta:
        ordering = ["list_name", "entry_id"]
        verbose_name_plural = "sanctions entries"
        constraints = [
            models.UniqueConstraint(
                fields=["load", "list_name", "entry_id"], name="compliance_sanctions_entry_unique"
            )
        ]
        indexes = [GinIndex(fields=["id_numbers"], name="compliance_sanctions_ids")]

    def __str__(self) -> str:
        return f"{self.list_name} {self.entry_id}: {self.full_name}"
