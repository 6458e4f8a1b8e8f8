"""Random sequences of ledger operations against a model kept in Python.

The machine opens wallets, funds them, sends money (amounts that fail for funds and limits
included), retries requests, reuses keys for other requests, places, commits, releases and
expires holds, and reverses transactions. It predicts every outcome (the transaction, or the
exact domain error) from its own balances, limits and fees; after every step the stored
balances must equal the model's and `check_ledger()` must find nothing.

Each example runs inside a savepoint of the test's transaction, rolled back in `teardown()`,
so every example starts from the seeded market rules and an empty ledger. A savepoint is not
an atomic block, so the services' `atomic(durable=True)` still sees the test case's own
transaction innermost and allows the nesting.

More examples: HYPOTHESIS_LEDGER_EXAMPLES=500 HYPOTHESIS_LEDGER_STEPS=60 pytest this file.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from wallets import errors, services
from wallets.invariants import check_ledger
from wallets.models import Account, AccountKind, Hold, HoldState, Transaction, TransactionKind
from wallets.models.customers import KycTier
from wallets.models.rules import TariffKind, TierLimit
from wallets.services.rules import Limits

EXAMPLES = int(os.environ.get("HYPOTHESIS_LEDGER_EXAMPLES", "25"))
STEPS = int(os.environ.get("HYPOTHESIS_LEDGER_STEPS", "30"))

# Tier 1 keeps the seeded Kenyan rules; tier 2 gets small ones here so that the per-transaction,
# daily and balance limits are reached in a few steps; tier 0 has none and cannot send.
SMALL_LIMITS = Limits(100, 50_000, 50_000, None, 400_000)
LIMITS: dict[str, Limits | None] = {
    KycTier.TIER_0: None,
    KycTier.TIER_1: Limits(100, 25_000_000, 50_000_000, None, 50_000_000),
    KycTier.TIER_2: SMALL_LIMITS,
}


@dataclass(frozen=True)
class Share:
    """An amount given as a percentage of what the wallet has available (at least 1)."""

    percent: int

    def of(self, available: int) -> int:
        return max(1, available * self.percent // 100)


SEND_AMOUNTS = st.one_of(
    st.integers(100, 200_000),
    st.integers(-50, 150),  # zero, negative, below the minimum
    st.integers(200_000, 30_000_000),  # over tier 2's and tier 1's per-transaction limits
)
FUND_AMOUNTS = st.one_of(
    st.integers(1, 500_000),
    st.integers(500_000, 60_000_000),  # up to and over the maximum balances
    st.integers(-10, 0),
)
HOLD_AMOUNTS = st.one_of(
    st.builds(Share, st.integers(1, 105)), st.integers(1, 300_000), st.integers(-5, 0)
)
TIERS = st.sampled_from([KycTier.TIER_1, KycTier.TIER_1, KycTier.TIER_2, KycTier.TIER_0])


@dataclass(eq=False)
class Wallet:
    account: Account
    tier: str
    balance: int = 0
    held: int = 0
    sent_today: int = 0

    @property
    def available(self) -> int:
        return self.balance - self.held

    @property
    def max_balance(self) -> int | None:
        limits = LIMITS[self.tier]
        return limits.max_balance if limits else None

    def __repr__(self) -> str:
        return f"Wallet({self.account.pk}, {self.tier})"


@dataclass(eq=False)
class Request:
    """A send or a funding as first asked, kept to be retried or reused."""

    kind: str
    key: str
    wallet: Wallet  # the sender, or the funded wallet
    amount: int
    recipient: Wallet | None = None


@dataclass(eq=False)
class Posted:
    transaction: Transaction
    request: Request | None  # None for hold commits and reversals
    fee: int = 0
    reversal: Transaction | None = None


@dataclass(eq=False)
class HoldRecord:
    hold: Hold
    wallet: Wallet
    amount: int
    deadline: datetime.datetime
    state: str = HoldState.OPEN
    commit: tuple[Wallet, int, Transaction] | None = None  # recipient, amount, transaction


@dataclass
class Model:
    """What the ledger should say, apart from the wallets themselves."""

    fees: int = 0
    issued: int = 0
    transactions: int = 0
    done: dict[str, Posted] = field(default_factory=dict)  # successful requests by key


def fee_or_zero(amount: int) -> int:
    try:
        return services.fee_for(TariffKind.SEND_MONEY, "KES", amount)
    except errors.NoTariff:
        return 0


def attempt(call: Callable[[], Any], label: str) -> Any:
    """The call's result, or the domain error it raised (any other error fails the test)."""
    try:
        outcome = call()
    except errors.LedgerError as error:
        outcome = error
    event(f"{label}: {type(outcome).__name__}")
    return outcome


class Ledger(RuleBasedStateMachine):
    wallets = Bundle("wallets")

    def __init__(self) -> None:
        super().__init__()
        self.savepoint = transaction.savepoint()
        TierLimit.objects.create(
            tier=KycTier.TIER_2,
            currency="KES",
            effective_from=timezone.now() - datetime.timedelta(days=1),
            **dataclasses.asdict(SMALL_LIMITS),
        )
        self.fee_income = services.house_account(AccountKind.FEE_INCOME, "KES")
        self.issuance = services.house_account(AccountKind.ISSUANCE, "KES")
        self.model = Model()
        self.all_wallets: list[Wallet] = []
        self.requests: list[Request] = []
        self.posted: list[Posted] = []
        self.holds: list[HoldRecord] = []
        self.clock = timezone.now()
        self.today = timezone.localdate()
        self.numbers = itertools.count(100)
        self.keys = itertools.count(1)

    def teardown(self) -> None:
        transaction.savepoint_rollback(self.savepoint)

    def key(self, prefix: str) -> str:
        return f"{prefix}-{next(self.keys)}"

    # --- wallets and funding -------------------------------------------------------------

    def open(self, tier: str) -> Wallet:
        customer = services.register_customer(
            phone=f"+25471200{next(self.numbers):04d}", name="Test Customer", kyc_tier=tier
        )
        created = Wallet(customer.wallet(), tier)
        assert services.limits_for(created.account) == LIMITS[tier]
        self.all_wallets.append(created)
        return created

    @initialize(target=wallets, amount=st.integers(1_000, 2_000_000))
    def open_a_funded_tier_1_wallet(self, amount: int) -> Wallet:
        return self.open_and_fund(KycTier.TIER_1, amount)

    @initialize(target=wallets, amount=st.integers(100_000, 400_000))
    def open_a_funded_tier_2_wallet(self, amount: int) -> Wallet:
        return self.open_and_fund(KycTier.TIER_2, amount)

    @precondition(lambda self: len(self.all_wallets) < 6)
    @rule(target=wallets, tier=TIERS, amount=FUND_AMOUNTS)
    def open_a_wallet(self, tier: str, amount: int) -> Wallet:
        return self.open_and_fund(tier, amount)

    def open_and_fund(self, tier: str, amount: int) -> Wallet:
        opened = self.open(tier)
        if amount:
            self.fund(opened, amount)
        return opened

    @rule(wallet=wallets, amount=FUND_AMOUNTS)
    def fund(self, wallet: Wallet, amount: int) -> None:
        self.submit(Request(TransactionKind.FUND, self.key("fund"), wallet, amount))

    @rule(sender=wallets, data=st.data(), share=st.builds(Share, st.integers(1, 105)))
    def send_part_of_the_balance(self, sender: Wallet, data: st.DataObject, share: Share) -> None:
        self.send(sender, self.recipient_for(sender, data), share.of(sender.available))

    @rule(sender=wallets, data=st.data(), amount=SEND_AMOUNTS)
    def send_any_amount(self, sender: Wallet, data: st.DataObject, amount: int) -> None:
        self.send(sender, self.recipient_for(sender, data), amount)

    @rule(sender=wallets, data=st.data(), over=st.integers(-1, 1))
    def send_right_at_the_limits(self, sender: Wallet, data: st.DataObject, over: int) -> None:
        """Top the sender up, then send the most its limits allow now (the rest of the day's
        allowance, at most one transaction's worth), one unit less or one more."""
        limits = LIMITS[sender.tier]
        room = 1_000
        if limits is not None:
            room = max(limits.max_daily - sender.sent_today, limits.min_amount)
            room = min(room, limits.max_per_transaction)
        amount = room + over
        shortfall = amount + fee_or_zero(amount) - sender.available
        if shortfall > 0:
            self.fund(sender, shortfall)
        self.send(sender, self.recipient_for(sender, data), amount, "edge")

    @rule(wallet=wallets, over=st.integers(-1, 1))
    def fund_up_to_the_maximum_balance(self, wallet: Wallet, over: int) -> None:
        room = (wallet.max_balance or 1_000_000) - wallet.balance
        self.submit(Request(TransactionKind.FUND, self.key("fund to cap"), wallet, room + over))

    def recipient_for(self, sender: Wallet, data: st.DataObject) -> Wallet:
        """Another wallet, or one time in ten the sender itself."""
        others = [each for each in self.all_wallets if each is not sender]
        if not others or data.draw(st.integers(0, 9), label="to self?") == 0:
            return sender
        return data.draw(st.sampled_from(others), label="recipient")

    def send(self, sender: Wallet, recipient: Wallet, amount: int, prefix: str = "send") -> None:
        key = self.key(prefix)
        self.submit(Request(TransactionKind.SEND_MONEY, key, sender, amount, recipient))

    @precondition(lambda self: self.requests)
    @rule(data=st.data())
    def retry_a_request(self, data: st.DataObject) -> None:
        self.submit(data.draw(st.sampled_from(self.requests), label="request"), retry=True)

    @precondition(lambda self: self.model.done)
    @rule(data=st.data(), extra=st.integers(1, 10_000), as_funding=st.booleans())
    def reuse_a_key_for_another_request(
        self, data: st.DataObject, extra: int, as_funding: bool
    ) -> None:
        key = data.draw(st.sampled_from(sorted(self.model.done)), label="key")
        first = self.model.done[key].request
        assert first is not None
        kind = TransactionKind.FUND if as_funding else first.kind
        other = Request(kind, key, first.wallet, first.amount + extra, first.recipient)
        outcome = attempt(lambda: self.call(other), "reuse a key")
        assert isinstance(outcome, errors.IdempotencyConflict), outcome

    def call(self, request: Request) -> Transaction:
        if request.kind == TransactionKind.FUND:
            return services.fund_from_issuance(
                wallet=request.wallet.account, amount=request.amount, idempotency_key=request.key
            )
        assert request.recipient is not None
        return services.send_money(
            sender=request.wallet.account,
            recipient=request.recipient.account,
            amount=request.amount,
            idempotency_key=request.key,
        )

    def submit(self, request: Request, retry: bool = False) -> None:
        if timezone.localdate() != self.today:  # the daily totals start again at midnight
            self.today = timezone.localdate()
            for each in self.all_wallets:
                each.sent_today = 0
        expected = self.expect(request)
        label = request.key.split("-")[0] + (" retry" if retry else "")
        outcome = attempt(lambda: self.call(request), label)
        if not retry:
            self.requests.append(request)
        if isinstance(expected, Posted):  # a replay: the first transaction, nothing moves
            assert outcome == expected.transaction, outcome
            assert outcome.reference == expected.transaction.reference
        elif isinstance(expected, type):
            assert type(outcome) is expected, f"expected {expected.__name__}, got {outcome!r}"
        else:
            assert isinstance(outcome, Transaction), outcome
            assert outcome.fee == expected
            self.apply(request, outcome)

    def expect(self, request: Request) -> Posted | type[errors.LedgerError] | int:
        """The first transaction (a replay), the error, or the fee of a new posting."""
        if request.recipient is request.wallet:
            return errors.SameAccount
        if request.amount <= 0:
            return errors.InvalidAmount
        if request.key in self.model.done:
            return self.model.done[request.key]
        if request.kind == TransactionKind.FUND:
            cap = request.wallet.max_balance
            if cap is not None and request.wallet.balance + request.amount > cap:
                return errors.ReceiverBalanceLimit
            return 0
        return self.expect_send(request)

    def expect_send(self, request: Request) -> type[errors.LedgerError] | int:
        sender, recipient, amount = request.wallet, request.recipient, request.amount
        assert recipient is not None
        limits = LIMITS[sender.tier]
        if limits is None:
            return errors.LimitsNotConfigured
        if amount < limits.min_amount:
            return errors.BelowMinimum
        if amount > limits.max_per_transaction:
            return errors.PerTransactionLimit
        try:
            fee = services.fee_for(TariffKind.SEND_MONEY, "KES", amount)
        except errors.NoTariff:
            return errors.NoTariff
        # The posting checks each account in primary-key order and stops at the first refusal.
        for account in sorted((sender, recipient), key=lambda each: each.account.pk):
            if account is sender:
                if sender.available < amount + fee:
                    return errors.InsufficientFunds
                if sender.sent_today + amount > limits.max_daily:
                    return errors.DailyLimit
            elif recipient.max_balance is not None and (
                recipient.balance + amount > recipient.max_balance
            ):
                return errors.ReceiverBalanceLimit
        return fee

    def apply(self, request: Request, posted: Transaction) -> None:
        if request.kind == TransactionKind.FUND:
            request.wallet.balance += request.amount
            self.model.issued += request.amount
        else:
            assert request.recipient is not None
            request.wallet.balance -= request.amount + posted.fee
            request.wallet.sent_today += request.amount
            request.recipient.balance += request.amount
            self.model.fees += posted.fee
        record = Posted(posted, request, posted.fee)
        self.model.done[request.key] = record
        self.model.transactions += 1
        self.posted.append(record)

    # --- reversals -----------------------------------------------------------------------

    @precondition(lambda self: self.posted)
    @rule(data=st.data())
    def reverse_a_transaction(self, data: st.DataObject) -> None:
        original = data.draw(st.sampled_from(self.posted), label="original")
        outcome = attempt(
            lambda: services.reverse_transaction(
                original=original.transaction, reason="customer complaint"
            ),
            "reverse",
        )
        request = original.request
        if request is None:
            assert isinstance(outcome, errors.NotReversible), outcome
            return
        if original.reversal is not None:
            assert outcome == original.reversal, outcome
            return
        payer = request.recipient or request.wallet  # who got the money gives it back
        if payer.available < request.amount:
            assert isinstance(outcome, errors.ReversalRefused), outcome
            return
        assert isinstance(outcome, Transaction), outcome
        assert outcome.reverses_id == original.transaction.pk
        payer.balance -= request.amount
        if request.recipient is None:
            self.model.issued -= request.amount
        else:
            request.wallet.balance += request.amount + original.fee
            self.model.fees -= original.fee
        original.reversal = outcome
        self.model.transactions += 1
        self.posted.append(Posted(outcome, None))

    # --- holds ---------------------------------------------------------------------------

    @rule(wallet=wallets, pick=HOLD_AMOUNTS, minutes=st.integers(1, 120))
    def place_a_hold(self, wallet: Wallet, pick: int | Share, minutes: int) -> None:
        amount = pick.of(wallet.available) if isinstance(pick, Share) else pick
        deadline = self.clock + datetime.timedelta(minutes=minutes)
        outcome = attempt(
            lambda: services.place_hold(
                account=wallet.account,
                amount=amount,
                reason="operator payout",
                idempotency_key=self.key("hold"),
                deadline=deadline,
            ),
            "place hold",
        )
        if amount <= 0:
            assert isinstance(outcome, errors.InvalidAmount), outcome
        elif amount > wallet.available:
            assert isinstance(outcome, errors.InsufficientFunds), outcome
        else:
            assert isinstance(outcome, Hold), outcome
            wallet.held += amount
            self.holds.append(HoldRecord(outcome, wallet, amount, deadline))

    @precondition(lambda self: self.holds)
    @rule(data=st.data(), extra=st.integers(0, 1_000))
    def retry_a_hold(self, data: st.DataObject, extra: int) -> None:
        record = data.draw(st.sampled_from(self.holds), label="hold")
        outcome = attempt(
            lambda: services.place_hold(
                account=record.wallet.account,
                amount=record.amount + extra,
                reason="operator payout",
                idempotency_key=record.hold.idempotency_key,
                deadline=record.deadline,
            ),
            "retry hold",
        )
        if extra:
            assert isinstance(outcome, errors.IdempotencyConflict), outcome
        else:
            assert outcome == record.hold, outcome

    @precondition(lambda self: self.holds and len(self.all_wallets) > 1)
    @rule(data=st.data(), same_legs=st.booleans())
    def commit_a_hold(self, data: st.DataObject, same_legs: bool) -> None:
        record = data.draw(st.sampled_from(self.holds), label="hold")
        if same_legs and record.commit is not None:
            recipient, amount, _ = record.commit
        else:
            others = [each for each in self.all_wallets if each is not record.wallet]
            recipient = data.draw(st.sampled_from(others), label="recipient")
            amount = data.draw(st.integers(1, 2 * record.amount), label="amount")
        outcome = attempt(
            lambda: services.commit_hold(
                hold=record.hold,
                legs=[services.Leg(record.wallet.account, recipient.account, amount)],
            ),
            "commit hold",
        )
        if record.commit is not None:
            if record.commit[:2] == (recipient, amount):
                assert outcome == record.commit[2], outcome
            else:
                assert isinstance(outcome, errors.IdempotencyConflict), outcome
        elif record.state != HoldState.OPEN:
            assert isinstance(outcome, errors.HoldNotOpen), outcome
        elif amount > record.wallet.available + record.amount:
            assert isinstance(outcome, errors.InsufficientFunds), outcome
        else:
            assert isinstance(outcome, Transaction), outcome
            record.wallet.balance -= amount
            record.wallet.held -= record.amount
            recipient.balance += amount  # a commit applies no receiver limits
            record.state = HoldState.COMMITTED
            record.commit = (recipient, amount, outcome)
            self.model.transactions += 1
            self.posted.append(Posted(outcome, None))

    @precondition(lambda self: self.holds)
    @rule(data=st.data())
    def release_a_hold(self, data: st.DataObject) -> None:
        record = data.draw(st.sampled_from(self.holds), label="hold")
        outcome = attempt(
            lambda: services.release_hold(hold=record.hold, reason="cancelled"), "release hold"
        )
        if record.state == HoldState.COMMITTED:
            assert isinstance(outcome, errors.HoldNotOpen), outcome
            return
        assert isinstance(outcome, Hold), outcome
        assert outcome.state == HoldState.RELEASED
        if record.state == HoldState.OPEN:
            record.state = HoldState.RELEASED
            record.wallet.held -= record.amount

    @precondition(lambda self: any(each.state == HoldState.OPEN for each in self.holds))
    @rule(minutes=st.integers(0, 180))
    def expire_overdue_holds(self, minutes: int) -> None:
        self.clock += datetime.timedelta(minutes=minutes)
        overdue = [
            each
            for each in self.holds
            if each.state == HoldState.OPEN and each.deadline < self.clock
        ]
        assert services.expire_overdue_holds(now=self.clock) == len(overdue)
        event("expire: released some" if overdue else "expire: none due")
        for each in overdue:
            each.state = HoldState.RELEASED
            each.wallet.held -= each.amount

    # --- after every step ----------------------------------------------------------------

    @invariant()
    def the_stored_ledger_matches_the_model_and_its_invariants(self) -> None:
        stored = {
            pk: (balance, held)
            for pk, balance, held in Account.objects.filter(
                pk__in=[each.account.pk for each in self.all_wallets]
            ).values_list("pk", "balance", "held")
        }
        assert stored == {each.account.pk: (each.balance, each.held) for each in self.all_wallets}
        assert self.fee_income.current_balance() == self.model.fees
        assert self.issuance.current_balance() == -self.model.issued
        assert Transaction.objects.count() == self.model.transactions
        assert dict(Hold.objects.values_list("pk", "state")) == {
            each.hold.pk: each.state for each in self.holds
        }
        violations = check_ledger()
        assert not violations, "\n".join(map(str, violations))


@pytest.mark.django_db
def test_random_operation_sequences_keep_the_ledger_equal_to_the_model():
    run_state_machine_as_test(
        Ledger,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
