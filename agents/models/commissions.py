"""Agent commissions as data: banded, effective-dated tables, and monthly statements.

A table is in force from `effective_from` until a later one of the same kind and currency
starts, like `wallets.models.rules.Tariff`, so a new schedule is entered ahead of time and
past postings keep their history (each posting records the commission it paid). Bands are
inclusive minor-unit ranges, contiguous (checked with `wallets.forms.check_bands`), and the
commission is the total for the operation: the aggregator's share comes out of it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class CommissionKind(models.TextChoices):
    CASH_IN = "cash_in", "Deposit (cash-in)"
    CASH_OUT = "cash_out", "Withdrawal (cash-out)"


class CommissionTable(models.Model):
    kind = models.CharField(max_length=10, choices=CommissionKind.choices)
    currency = models.CharField(max_length=3)
    effective_from = models.DateTimeField(default=timezone.now)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["kind", "currency", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "currency", "effective_from"], name="commission_table_unique_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.currency} from {self.effective_from:%Y-%m-%d}"


class CommissionBand(models.Model):
    """Amounts from `min_amount` to `max_amount` inclusive earn `commission` (minor units)."""

    table = models.ForeignKey(CommissionTable, on_delete=models.CASCADE, related_name="bands")
    min_amount = models.BigIntegerField()
    max_amount = models.BigIntegerField()
    commission = models.BigIntegerField()

    class Meta:
        ordering = ["table", "min_amount"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_amount__gt=0)
                & Q(max_amount__gte=models.F("min_amount"))
                & Q(commission__gte=0),
                name="commission_band_valid",
            ),
            models.UniqueConstraint(fields=["table", "min_amount"], name="commission_band_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.min_amount}-{self.max_amount}: {self.commission}"


class CommissionStatement(models.Model):
    """What one agent earned in one calendar month, as its commission account received it.

    Built once per agent and month by the monthly task; the unique constraint makes a second
    run a no-op.
    """

    agent = models.ForeignKey(
        "agents.Agent", on_delete=models.PROTECT, related_name="commission_statements"
    )
    month = models.DateField(help_text="The first day of the month.")
    currency = models.CharField(max_length=3)
    cash_in_count = models.PositiveIntegerField(default=0)
    cash_in_commission = models.BigIntegerField(default=0)
    cash_out_count = models.PositiveIntegerField(default=0)
    cash_out_commission = models.BigIntegerField(default=0)
    withheld = models.BigIntegerField(
        default=0, help_text="Commission not paid because of split-transaction flags."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-month", "agent"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "month"], name="commission_statement_once"),
            models.CheckConstraint(condition=Q(month__day=1), name="commission_statement_month"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.month:%Y-%m}"

    @property
    def total_commission(self) -> int:
        return self.cash_in_commission + self.cash_out_commission
