"""The cash drawer of a store: physical cash, declared by people, never e-money.

`expected` is what the till should hold: the last declared count plus every cash movement
since, one `CashDrawerEntry` per cash-in (adds) and cash-out (subtracts). Entries are written
by the outbox handler of the posting, UNIQUE on the transaction, so a second delivery adds
nothing. An end-of-day `CashCount` records what was counted against what was expected; its
variance is entered too, so `expected` then equals the count and the next period starts from
it. These are counts of banknotes, so they are plain columns updated with F() under the
drawer's row lock, not ledger accounts.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class CashDrawer(models.Model):
    store = models.OneToOneField("agents.Store", on_delete=models.PROTECT, related_name="drawer")
    opening_count = models.BigIntegerField(
        default=0, editable=False, help_text="The cash declared when this period began."
    )
    opened_at = models.DateTimeField(default=timezone.now, editable=False)
    expected = models.BigIntegerField(
        default=0, editable=False, help_text="The opening count plus the movements since."
    )

    class Meta:
        ordering = ["store"]

    def __str__(self) -> str:
        return f"Drawer of {self.store}"


class EntryKind(models.TextChoices):
    CASH_IN = "cash_in", "Cash-in (cash received)"
    CASH_OUT = "cash_out", "Cash-out (cash paid)"
    COUNT = "count", "Count variance"


class CashDrawerEntry(models.Model):
    drawer = models.ForeignKey(CashDrawer, on_delete=models.PROTECT, related_name="entries")
    # The agent and customer are copied here so the velocity rules read one indexed table.
    agent = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        "wallets.Customer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    amount = models.BigIntegerField(help_text="Signed: cash in is positive, cash out negative.")
    transaction = models.OneToOneField(
        "wallets.Transaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="drawer_entry",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "cash drawer entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="count") | Q(transaction__isnull=False),
                name="drawer_entry_cash_has_transaction",
            ),
            models.CheckConstraint(
                condition=(Q(kind="cash_in") & Q(amount__gt=0))
                | (Q(kind="cash_out") & Q(amount__lt=0))
                | Q(kind="count"),
                name="drawer_entry_sign_matches_kind",
            ),
        ]
        indexes = [models.Index(fields=["agent", "created_at"], name="drawer_entry_agent_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class CashCount(models.Model):
    store = models.ForeignKey("agents.Store", on_delete=models.PROTECT, related_name="counts")
    counted = models.BigIntegerField()
    expected = models.BigIntegerField()
    variance = models.BigIntegerField(help_text="Counted minus expected: negative is a shortage.")
    counted_by = models.ForeignKey(
        "agents.Assistant", on_delete=models.PROTECT, related_name="cash_counts"
    )
    counted_at = models.DateTimeField(default=timezone.now)
    idempotency_key = models.CharField(
        max_length=200, unique=True, null=True, blank=True, help_text="Set by the agent API."
    )

    class Meta:
        ordering = ["-counted_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(counted__gte=0)
                & Q(variance=models.F("counted") - models.F("expected")),
                name="cash_count_variance_consistent",
            )
        ]

    def __str__(self) -> str:
        return f"Count of {self.store} at {self.counted_at:%Y-%m-%d %H:%M}"
