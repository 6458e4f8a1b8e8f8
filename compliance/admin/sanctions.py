"""The sanctions list in force and the record of every load (read-only: lists are loaded
from a file with `manage.py load_sanctions`)."""

from __future__ import annotations

from django.contrib import admin

from compliance.models import SanctionsEntry, SanctionsLoad
from wallets.admin.common import ReadOnlyPermissions


@admin.register(SanctionsLoad)
class SanctionsLoadAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = ["loaded_at", "file_name", "lists", "entry_count", "current", "loaded_by"]
    list_filter = ["current"]
    fields = readonly_fields = (
        "file_name",
        "checksum",
        "lists",
        "entry_count",
        "loaded_by",
        "loaded_at",
        "current",
    )


@admin.register(SanctionsEntry)
class SanctionsEntryAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = ["list_name", "entry_id", "full_name", "nationality", "load"]
    list_filter = ["list_name", "load__current"]
    search_fields = ["full_name", "entry_id"]
    list_select_related = ["load"]
    fields = readonly_fields = (
        "load",
        "list_name",
        "entry_id",
        "full_name",
        "aliases",
        "dates_of_birth",
        "nationality",
        "id_numbers",
        "names",
    )
