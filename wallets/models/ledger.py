"""Double-entry ledger rows.

An `Account` holds a running `balance` (credits minus debits) and `held` (reserved by open
holds); `available = balance - held`. A `Transaction` is one business operation and owns its
`Posting`s, each moving a positive amount from one account to another, so every transaction
balances by construction. Postings and a transaction's money fields are append-only (database
triggers); corrections are new reversing transactions.

House accounts (fee income, settlement, trust, suspense, issuance) are credited by many
transactions at once. Their balance is spread over `HOUSE_SHARDS` rows of `HouseBalance`, one
picked per transaction, so no single row becomes a lock every transfer waits for.

Each transaction is hash-chained on its anchor account (the first customer or agent account it
touches, in primary-key order): `hash = sha256(previous hash | content)`. The anchor's row is
locked by the posting anyway, so the chain adds no contention.
"""

from __future__ import annotations

from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone

HOUSE_SHARDS = 16


class AccountKind(models.TextChoices):
    CUSTOMER_WALLET = "customer_wallet", "Customer wallet"
    AGENT_FLOAT = "agent_float", "Agent float"
    AGENT_COMMISSION = "agent_commission", "Agent commission"
    FEE_INCOME = "fee_income", "Fee income"
    SETTLEMENT = "settlement", "Operator settlement"
    TRUST = "trust", "Trust (bank)"
    SUSPENSE = "suspense", "Suspense"
    ISSUANCE = "issuance", "Issuance"
    MERCHANT = "merchant", "Merchant"


HOUSE_KINDS = frozenset(
    {
        AccountKind.FEE_INCOME,
        AccountKind.SETTLEMENT,
        AccountKind.TRUST,
        AccountKind.SUSPENSE,
        AccountKind.ISSUANCE,
    }
)
# E-money held by the public (our liability) and the accounts that back it.
E_MONEY_KINDS = frozenset(
    {
        AccountKind.CUSTOMER_WALLET,
        AccountKind.AGENT_FLOAT,
        AccountKind.AGENT_COMMISSION,
        AccountKind.MERCHANT,
    }
)
BACKING_KINDS = frozenset({AccountKind.TRUST, AccountKind.SETTLEMENT, AccountKind.ISSUANCE})


class Account(models.Model):
    kind = models.CharField(max_length=20, choices=AccountKind.choices)
    currency = models.CharField(max_length=3)
    customer = models.ForeignKey(
        "wallets.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
    )
    code = models.CharField(
        max_length=64, unique=True, null=True, blank=True, help_text="Name of a house account."
    )
    balance = models.BigIntegerField(default=0, editable=False)
    held = models.BigIntegerField(default=0, editable=False)
    # Outgoing totals for the limit windows, updated under the row lock of each debit.
    day_on = models.DateField(null=True, editable=False)
    day_total = models.BigIntegerField(default=0, editable=False)
    month_on = models.DateField(null=True, editable=False)
    month_total = models.BigIntegerField(default=0, editable=False)
    # Head of this account's hash chain (the hash of its last anchored transaction).
    chain_head = models.CharField(max_length=64, default="", editable=False)
    chain_length = models.IntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        permissions = [
            (
                "read_wallets_by_api",
                "Can read customers' balances, statements and transactions through API v1",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=sorted(k.value for k in HOUSE_KINDS))
                | (Q(balance__gte=0) & Q(held__gte=0) & Q(held__lte=models.F("balance"))),
                name="account_not_overdrawn",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=sorted(k.value for k in HOUSE_KINDS)) | Q(code__isnull=True),
                name="account_code_only_for_house",
            ),
            models.UniqueConstraint(
                fields=["customer", "kind", "currency"],
                condition=Q(customer__isnull=False),
                name="account_one_wallet_per_currency",
            ),
        ]

    def __str__(self) -> str:
        owner = self.code or (self.customer.phone if self.customer else f"#{self.pk}")
        return f"{self.get_kind_display()} {owner} {self.currency}"

    @property
    def is_house(self) -> bool:
        return self.kind in HOUSE_KINDS

    @property
    def available(self) -> int:
        return self.balance - self.held

    def current_balance(self) -> int:
        """The balance, summing the shards of a house account."""
        if not self.is_house:
            return self.balance
        return self.shards.aggregate(total=Sum("balance"))["total"] or 0


class HouseBalance(models.Model):
    """One of the HOUSE_SHARDS slices of a house account's balance."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="shards")
    shard = models.SmallIntegerField()
    balance = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "shard"], name="house_balance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.shard}: {self.balance}"


class TransactionKind(models.TextChoices):
    FUND = "fund", "Funding from issuance"
    SEND_MONEY = "send_money", "Send money"
    HOLD_COMMIT = "hold_commit", "Committed hold"
    REVERSAL = "reversal", "Reversal"
    ADJUSTMENT = "adjustment", "Adjustment"
    AIRTIME = "airtime", "Airtime purchase"
    CASH_IN = "cash_in", "Cash-in at an agent"
    CASH_OUT = "cash_out", "Cash-out at an agent"
    FLOAT_TRANSFER = "float_transfer", "Float purchase or return"
    COMMISSION_MOVE = "commission_move", "Commission moved to float"
    OPERATOR_TOP_UP = "operator_top_up", "Top-up from an operator"
    OPERATOR_PAYOUT = "operator_payout", "Withdrawal to an operator"
    MERCHANT_PAY = "merchant_pay", "Payment to a merchant"
    MANDATE_DEBIT = "mandate_debit", "Debit under a customer's mandate"
    DISBURSEMENT = "disbursement", "Disbursement from a business"


class TransactionStatus(models.TextChoices):
    POSTED = "posted", "Posted"
    REVERSED = "reversed", "Reversed"


class Channel(models.TextChoices):
    API = "api", "REST API"
    USSD = "ussd", "USSD"
    SMS = "sms", "SMS"
    AGENT = "agent", "Agent"
    ADMIN = "admin", "Admin"
    SYSTEM = "system", "System"


class TransactionQuerySet(models.QuerySet["Transaction"]):
    def for_account(self, account: Account) -> TransactionQuerySet:
        return self.filter(
            Q(postings__debit_account=account) | Q(postings__credit_account=account)
        ).distinct()


class Transaction(models.Model):
    # Uniqueness as constraints, not unique=True: no extra LIKE index to maintain per posting.
    reference = models.CharField(max_length=10)
    kind = models.CharField(max_length=32, choices=TransactionKind.choices)
    status = models.CharField(
        max_length=10, choices=TransactionStatus.choices, default=TransactionStatus.POSTED
    )
    idempotency_key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    initiator = models.CharField(max_length=100, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    currency = models.CharField(max_length=3)
    amount = models.BigIntegerField(help_text="The principal, without the fee.")
    fee = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversal"
    )
    anchor_account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # indexed by transaction_chain_unique
    chain_sequence = models.IntegerField()
    hash = models.CharField(max_length=64)

    objects = TransactionQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(fee__gte=0), name="transaction_amounts_positive"
            ),
            models.UniqueConstraint(
                fields=["anchor_account", "chain_sequence"], name="transaction_chain_unique"
            ),
            models.UniqueConstraint(fields=["reference"], name="transaction_reference_unique"),
            models.UniqueConstraint(fields=["idempotency_key"], name="transaction_key_unique"),
        ]
        indexes = [BrinIndex(fields=["created_at"], name="transaction_created_brin")]

    def __str__(self) -> str:
        return self.reference


class Posting(models.Model):
    # No foreign-key constraints in the database (migration 0014): a check per row at commit,
    # and a KEY SHARE lock on the fee-income account taken by every concurrent posting. The
    # posting function refuses unknown accounts, accounts and transactions cannot be deleted,
    # and check_ledger reports an orphan posting.
    transaction = models.ForeignKey(
        Transaction, on_delete=models.PROTECT, related_name="postings", db_constraint=False
    )
    # Indexed by (account, id) below, which statements read; no separate foreign-key index.
    debit_account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    credit_account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    amount = models.BigIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="posting_amount_positive"),
            models.CheckConstraint(
                condition=~Q(debit_account=models.F("credit_account")),
                name="posting_two_accounts",
            ),
        ]
        indexes = [
            models.Index(fields=["debit_account", "id"]),
            models.Index(fields=["credit_account", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.debit_account_id}->{self.credit_account_id}"


class HoldState(models.TextChoices):
    OPEN = "open", "Open"
    COMMITTED = "committed", "Committed"
    RELEASED = "released", "Released"


class Hold(models.Model):
    """Money reserved on an account until a pending operation commits or is released, once."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="holds")
    amount = models.BigIntegerField()
    state = models.CharField(max_length=10, choices=HoldState.choices, default=HoldState.OPEN)
    reason = models.CharField(max_length=200)
    idempotency_key = models.CharField(max_length=200, unique=True)
    deadline = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="hold"
    )
    # The principal counted toward the owner's daily and monthly limits when placed (money
    # that leaves before the commit, as a payout to an operator), and the day it was counted.
    counted = models.BigIntegerField(default=0, editable=False)
    counted_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="hold_amount_positive"),
            models.CheckConstraint(
                condition=(Q(state="open") & Q(ended_at__isnull=True))
                | (~Q(state="open") & Q(ended_at__isnull=False)),
                name="hold_end_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(state="committed") | Q(transaction__isnull=False),
                name="hold_commit_has_transaction",
            ),
        ]
        indexes = [
            models.Index(fields=["deadline"], condition=Q(state="open"), name="hold_open_deadline")
        ]

    def __str__(self) -> str:
        return f"Hold {self.pk} {self.amount} ({self.state})"
