"""Monitoring rules (editable data, each checked for the fields its kind needs) and the
scanner's watermark (read-only)."""

from __future__ import annotations

from django.contrib import admin

from compliance.models import Rule, Watermark
from wallets.admin.common import ReadOnlyPermissions, money


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    """Switch a rule off rather than deleting it: its alerts keep pointing at it."""

    list_display = ["name", "kind", "scope", "severity", "active", "thresholds"]
    list_filter = ["active", "kind", "scope", "severity"]
    search_fields = ["name", "description"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "scope", "severity", "active", "description"]}),
        (
            "Parameters (the help under each says which kinds use it)",
            {
                "fields": [
                    "currency",
                    "window_minutes",
                    "direction",
                    "count_threshold",
                    "value_threshold",
                    "reference_amount",
                    "margin_percent",
                    "share_percent",
                    "dormant_days",
                ]
            },
        ),
    ]

    @admin.display(description="thresholds")
    def thresholds(self, rule: Rule) -> str:
        parts = []
        if rule.count_threshold is not None:
            parts.append(f"count {rule.count_threshold}")
        if rule.value_threshold is not None:
            parts.append(money(rule.value_threshold, rule.currency))
        if rule.reference_amount is not None:
            parts.append(f"limit {money(rule.reference_amount, rule.currency)}")
        if rule.margin_percent is not None:
            parts.append(f"within {rule.margin_percent}%")
        if rule.share_percent is not None:
            parts.append(f"{rule.share_percent}% out")
        if rule.dormant_days is not None:
            parts.append(f"after {rule.dormant_days} days")
        if rule.window_minutes:
            parts.append(f"in {rule.window_minutes} min")
        return ", ".join(parts)


@admin.register(Watermark)
class WatermarkAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = ["name", "last_transaction_id", "last_customer_id", "updated_at"]
