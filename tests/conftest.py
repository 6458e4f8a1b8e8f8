"""Shared fixtures: named customers, funding from issuance, and the ledger invariants.

Every test that used the database ends with `check_ledger()`; a test that corrupts the ledger
on purpose is marked `corrupts_ledger`.
"""

from __future__ import annotations

import datetime
import itertools
import os
from collections.abc import Callable

# Argon2 at the production cost (19 MiB, 2 passes) makes every PIN check ~30 ms; the suite
# uses a lighter cost. The algorithm, the pepper and the lockout logic are the same.
os.environ.setdefault("PIN_ARGON2_MEMORY_KIB", "1024")
os.environ.setdefault("PIN_ARGON2_TIME_COST", "1")
# Postings queue no Celery messages unless a test asks (tests/wallets/test_tasks.py does).
os.environ.setdefault("OUTBOX_KICK_AFTER_POSTING", "false")
# Request threads of the live server close their connections, so the test database can go.
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "0")

import pytest
from django.utils import timezone

from wallets import services
from wallets.invariants import check_ledger
from wallets.models import Account, Customer, KycTier, TierLimit, Transaction

_keys = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "corrupts_ledger: the test breaks the ledger on purpose; skip the check"
    )


# Every test's rolled-back rows stay in the tables as dead tuples until a vacuum, and CI's
# PostgreSQL runs without autovacuum: the invariant checks below (full scans of the ledger
# after each test, and after every step of the stateful test) would slow down as the suite
# goes on. The ledger's tables are vacuumed between tests, every VACUUM_EVERY tests.
VACUUM_EVERY = 100
LEDGER_TABLES = (
    "wallets_account, wallets_housebalance, wallets_transaction, wallets_posting,"
    " wallets_hold, wallets_outbox, wallets_customer, wallets_limitcounter"
)
_tests_run = itertools.count(1)


@pytest.fixture(autouse=True)
def _vacuumed_ledger() -> None:
    """On its own connection (autocommit), so it works while a test's transaction is open;
    only once the test database exists."""
    from django.db import connection

    if next(_tests_run) % VACUUM_EVERY or not connection.settings_dict["NAME"].startswith("test_"):
        return
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = True
        raw.execute(f"VACUUM (ANALYZE) {LEDGER_TABLES}")
    finally:
        raw.close()


@pytest.fixture(autouse=True)
def _ledger_invariants(request: pytest.FixtureRequest):
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if "transactional_db" in names or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")  # set up first, so torn down after us
    elif "db" in names or marker:
        request.getfixturevalue("db")
    else:
        yield
        return
    yield
    if request.node.get_closest_marker("corrupts_ledger"):
        return
    violations = check_ledger()
    assert not violations, "ledger invariants broken:\n" + "\n".join(map(str, violations))


def new_key(prefix: str = "test") -> str:
    return f"{prefix}-{next(_keys)}-{os.getpid()}"


def statements_of(action: Callable[[], object]) -> list[str]:
    """The SQL statements `action` sends, without the savepoints that the test's own
    transaction adds around each atomic block (a deployment runs them as transactions, with
    no statement of their own in the query log)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        action()
    return [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def send_request(
    sender: Account, to: Account, amount: int, *, key: str | None = None
) -> services.PostingRequest:
    """A send-money posting as a request, for `post_together`."""
    return services.PostingRequest(
        kind="send_money",
        idempotency_key=new_key() if key is None else key,
        currency="KES",
        amount=amount,
        legs=[services.Leg(sender, to, amount)],
        fingerprint=services.posting.request_hash(to.pk, amount),
        channel="api",
    )


def make_customer(phone: str, name: str, **extra) -> Customer:
    return services.register_customer(phone=phone, name=name, **extra)


@pytest.fixture
def alice(db) -> Account:
    """Alice Wanjiru, tier 1, PIN 2468, an empty KES wallet."""
    customer = make_customer("+254712000001", "Alice Wanjiru")
    services.set_pin(customer, "2468")
    return customer.wallet()


@pytest.fixture
def bob(db) -> Account:
    """Bob Otieno, tier 1, PIN 1357, an empty KES wallet."""
    customer = make_customer("+254712000002", "Bob Otieno")
    services.set_pin(customer, "1357")
    return customer.wallet()


@pytest.fixture
def carol(db) -> Account:
    customer = make_customer("+254712000003", "Carol Akinyi")
    return customer.wallet()


@pytest.fixture
def fund() -> Callable[[Account, int], Transaction]:
    """Credit a wallet from the issuance account (no test sets a balance directly)."""

    def _fund(wallet: Account, amount: int) -> Transaction:
        return services.fund_from_issuance(
            wallet=wallet, amount=amount, idempotency_key=new_key("fund")
        )

    return _fund


def balance(wallet: Account) -> int:
    wallet.refresh_from_db()
    return wallet.balance


@pytest.fixture
def open_by_phone(db) -> None:
    """A tier-0 limits row that lets people open a wallet from the USSD menu."""
    TierLimit.objects.create(
        tier=KycTier.TIER_0,
        currency="KES",
        effective_from=timezone.now() - datetime.timedelta(seconds=1),
        min_amount=100,
        max_per_transaction=1_000_000,
        max_daily=2_000_000,
        max_balance=5_000_000,
        open_by_phone=True,
    )
