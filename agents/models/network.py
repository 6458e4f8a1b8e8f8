"""The agent hierarchy: aggregator (head office) -> agent (a business) -> store -> assistant.

Each level has a `status`; only active ones transact, and a service checks the whole chain
(aggregator, agent, store, and the assistant where one acts) before it posts. Money lives in
ledger accounts (`wallets.Account`), never in these rows: an aggregator and an agent each own
a float account (e-money to serve cash-ins) and a commission account (what they earned),
opened by the service that creates them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from wallets.models import PinProtected
from wallets.models.customers import IdType
from wallets.phones import validate_phone

digits_only = RegexValidator(r"^[0-9]+$", "Digits only.")
six_digits = RegexValidator(r"^[0-9]{6}$", "Six digits.")
BASIS_POINTS = 10_000  # 100%


class NetworkStatus(models.TextChoices):
    PENDING = "pending", "Pending: onboarding"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    CLOSED = "closed", "Closed"


def account_field(kind: str, related_name: str) -> models.OneToOneField:
    """A ledger account owned by this row, opened by the creating service, never edited."""
    return models.OneToOneField(
        "wallets.Account",
        on_delete=models.PROTECT,
        related_name=related_name,
        limit_choices_to={"kind": kind},
        editable=False,
    )


class Aggregator(models.Model):
    """A super-agent or head office: sells float to its agents, keeps a share of commission."""

    name = models.CharField(max_length=120)
    phone = models.CharField(max_length=16, validators=[validate_phone], help_text="E.164")
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    status = models.CharField(
        max_length=10, choices=NetworkStatus.choices, default=NetworkStatus.ACTIVE
    )
    float_account = account_field("agent_float", "aggregator_float_owner")
    commission_account = account_field("agent_commission", "aggregator_commission_owner")
    commission_share = models.PositiveIntegerField(
        default=2000,
        help_text="The head office's share of its agents' commission, in basis points "
        "(2000 = 20%).",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(commission_share__lte=BASIS_POINTS),
                name="aggregator_share_at_most_all",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def currency(self) -> str:
        return self.float_account.currency


LIMIT_FIELDS = (
    "cash_in_max_per_transaction",
    "cash_in_max_daily",
    "cash_out_max_per_transaction",
    "cash_out_max_daily",
)


def limits_positive() -> Q:
    """Each limit is empty (no limit) or above zero: a zero limit would silently close."""
    condition = Q()
    for field in LIMIT_FIELDS:
        condition &= Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gt": 0})
    return condition


class Agent(models.Model):
    """A business that serves customers with cash, under one aggregator."""

    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, related_name="agents")
    agent_number = models.CharField(
        max_length=6, unique=True, validators=[six_digits], help_text="Six digits."
    )
    business_name = models.CharField(max_length=120)
    phone = models.CharField(
        max_length=16, validators=[validate_phone], help_text="E.164; alerts and receipts."
    )
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    status = models.CharField(
        max_length=10, choices=NetworkStatus.choices, default=NetworkStatus.ACTIVE
    )
    float_account = account_field("agent_float", "agent_float_owner")
    commission_account = account_field("agent_commission", "agent_commission_owner")
    # Per-agent limits in minor units; empty means no limit. Checked inside the posting.
    cash_in_max_per_transaction = models.BigIntegerField(null=True, blank=True)
    cash_in_max_daily = models.BigIntegerField(null=True, blank=True)
    cash_out_max_per_transaction = models.BigIntegerField(null=True, blank=True)
    cash_out_max_daily = models.BigIntegerField(null=True, blank=True)
    float_credit_daily = models.BigIntegerField(
        null=True,
        blank=True,
        help_text=(
            "The float the owner may draw from the aggregator per day by phone or app, in minor"
            " units; empty: none (the head office must raise it first)."
        ),
    )
    low_float_threshold = models.BigIntegerField(
        default=0, help_text="SMS the agent when the float falls below this (0: never)."
    )
    low_cash_threshold = models.BigIntegerField(
        default=0, help_text="SMS the agent when a store's expected cash falls below this."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["agent_number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(low_float_threshold__gte=0) & Q(low_cash_threshold__gte=0),
                name="agent_thresholds_not_negative",
            ),
            models.CheckConstraint(condition=limits_positive(), name="agent_limits_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.agent_number} {self.business_name}"

    @property
    def currency(self) -> str:
        return self.float_account.currency


class Store(models.Model):
    """An agent's outlet. Customers name it by agent number + store number when withdrawing."""

    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="stores")
    store_number = models.CharField(max_length=6, validators=[digits_only])
    name = models.CharField(max_length=120)
    location = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=NetworkStatus.choices, default=NetworkStatus.ACTIVE
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["agent", "store_number"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "store_number"], name="store_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agent.agent_number}/{self.store_number} {self.name}"


class AssistantRole(models.TextChoices):
    # The owner manages money (buys and returns float, moves commission) besides serving
    # customers; an assistant only serves customers, so a till worker cannot drain the float.
    OWNER = "owner", "Owner: serves customers and manages float and commission"
    ASSISTANT = "assistant", "Assistant: serves customers only"


class Assistant(PinProtected):
    """A person who transacts for one store with their own phone and PIN."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="assistants")
    name = models.CharField(max_length=120)
    phone = models.CharField(
        max_length=16,
        unique=True,
        validators=[validate_phone],
        help_text="E.164; how the USSD menu recognises the assistant.",
    )
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    status = models.CharField(
        max_length=10, choices=NetworkStatus.choices, default=NetworkStatus.ACTIVE
    )
    role = models.CharField(
        max_length=10, choices=AssistantRole.choices, default=AssistantRole.ASSISTANT
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["store", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.phone})"

    @property
    def is_owner(self) -> bool:
        return self.role == AssistantRole.OWNER


class DocumentKind(models.TextChoices):
    NATIONAL_ID = IdType.NATIONAL_ID.value, "Owner's national ID"
    PASSPORT = IdType.PASSPORT.value, "Owner's passport"
    BUSINESS_PERMIT = "business_permit", "Single business permit"
    TAX_PIN = "tax_pin", "KRA PIN certificate"
    INCORPORATION = "incorporation", "Certificate of incorporation"
    OTHER = "other", "Other"


class AgentDocument(models.Model):
    """A KYC document seen for an agent: a record of it, not the scanned file."""

    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    number = models.CharField(max_length=64)
    reference = models.CharField(
        max_length=200, blank=True, help_text="Where the original or the scan is kept."
    )
    notes = models.TextField(blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["agent", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True, verified_at__isnull=True)
                | Q(verified_by__isnull=False, verified_at__isnull=False),
                name="agent_document_verified_by_whom_and_when",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"
