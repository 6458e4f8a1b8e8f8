"""Float between the head office and its agents, and commission into float.

- `issue_aggregator_float`: the back office issues e-money to an aggregator that paid cash
  into the trust bank (issuance -> aggregator float).
- `buy_float` / `return_float`: an agent's owner buys float from its aggregator, or sells it
  back; the cash changes hands outside the system.
- `move_commission`: an agent's owner moves earned commission into the float, to serve more
  deposits.
- `buy_float_from_operator`: an agent's owner buys float from the agent's own M-Pesa or MoMo
  (the operator collects from the agent's registered phone; on its success the posting
  settlement -> float is made by `operators.services`, with a receipt by SMS).

Only a store's owner may move the agent's money (an assistant serves customers only). Each is
one posting, exactly once per idempotency key; the receipts go by SMS from the outbox.
"""

from __future__ import annotations

from agents import errors
from agents.models import Aggregator, Assistant, NetworkStatus
from agents.services.checks import check_amount
from agents.services.network import account_ref, acting_assistant
from operators import services as operators
from operators.models import Operator, OperatorRequest, RequestKind
from wallets.errors import IdempotencyConflict, InsufficientFunds
from wallets.models import Account, AccountKind, Channel, Transaction, TransactionKind
from wallets.services import CounterLimit, Leg, find_replay, house_account, post_transaction
from wallets.services.posting import request_hash


def issue_aggregator_float(
    *, aggregator: Aggregator, amount: int, idempotency_key: str, initiator: str
) -> Transaction:
    """Issue `amount` of new float to the aggregator, exactly once per key."""
    fingerprint = request_hash("issue_float", aggregator.pk, amount)
    if (done := find_replay(idempotency_key=idempotency_key, fingerprint=fingerprint)) is not None:
        return done
    check_amount(amount)
    aggregator = Aggregator.objects.select_related("float_account").get(pk=aggregator.pk)
    if aggregator.status != NetworkStatus.ACTIVE:
        raise errors.AggregatorNotActive()
    float_account = aggregator.float_account
    issuance = house_account(AccountKind.ISSUANCE, float_account.currency)
    return post_transaction(
        kind=TransactionKind.FUND,
        idempotency_key=idempotency_key,
        currency=float_account.currency,
        amount=amount,
        legs=[Leg(issuance, float_account, amount)],
        fingerprint=fingerprint,
        channel=Channel.ADMIN,
        initiator=initiator,
        metadata={"operation": "issue_float", "aggregator_id": aggregator.pk},
    )


def buy_float(
    *, assistant: Assistant, amount: int, idempotency_key: str, channel: str
) -> Transaction:
    """Move `amount` of float from the aggregator to the owner's agent, exactly once per key."""
    return owner_transfer(
        operation="buy_float",
        assistant=assistant,
        amount=amount,
        idempotency_key=idempotency_key,
        channel=channel,
    )


def return_float(
    *, assistant: Assistant, amount: int, idempotency_key: str, channel: str
) -> Transaction:
    """Move `amount` of float from the owner's agent back to its aggregator, once per key."""
    return owner_transfer(
        operation="return_float",
        assistant=assistant,
        amount=amount,
        idempotency_key=idempotency_key,
        channel=channel,
    )


def move_commission(
    *, assistant: Assistant, amount: int, idempotency_key: str, channel: str
) -> Transaction:
    """Move `amount` of the agent's commission into its float, exactly once per key."""
    return owner_transfer(
        operation="move_commission",
        assistant=assistant,
        amount=amount,
        idempotency_key=idempotency_key,
        channel=channel,
    )


SHORTFALL: dict[str, type[InsufficientFunds]] = {
    "buy_float": errors.InsufficientAggregatorFloat,
    "return_float": errors.InsufficientFloat,
    "move_commission": errors.InsufficientCommission,
}


def owner_transfer(
    *, operation: str, assistant: Assistant, amount: int, idempotency_key: str, channel: str
) -> Transaction:
    loaded = Assistant.objects.select_related("store__agent").get(pk=assistant.pk)
    agent_id = loaded.store.agent_id
    fingerprint = request_hash(operation, agent_id, amount)
    if (done := find_replay(idempotency_key=idempotency_key, fingerprint=fingerprint)) is not None:
        return done
    check_amount(amount)
    acting = acting_assistant(loaded, owner_only=True)
    agent = acting.store.agent
    counter = None
    if operation == "buy_float":
        # The aggregator's float is shared by all its agents: an owner draws on it only within
        # the daily credit the head office granted this agent.
        if not agent.float_credit_daily:
            raise errors.NoFloatCredit()
        counter = CounterLimit(f"agent:{agent.pk}:float_credit", None, agent.float_credit_daily)
    debit, credit = accounts_for(
        operation,
        account_ref(agent.float_account_id),
        account_ref(agent.commission_account_id),
        account_ref(agent.aggregator.float_account_id),
    )
    try:
        return post_transaction(
            kind=(
                TransactionKind.COMMISSION_MOVE
                if operation == "move_commission"
                else TransactionKind.FLOAT_TRANSFER
            ),
            idempotency_key=idempotency_key,
            currency=agent.currency,
            amount=amount,
            legs=[Leg(debit, credit, amount)],
            fingerprint=fingerprint,
            channel=channel,
            initiator=f"assistant:{acting.pk}",
            metadata={
                "operation": operation,
                "agent_id": agent.pk,
                "agent_number": agent.agent_number,
                "aggregator_id": agent.aggregator_id,
                "store_id": acting.store_id,
                "assistant_id": acting.pk,
            },
            counter=counter,
        )
    except InsufficientFunds:  # the one debited account is short
        raise SHORTFALL[operation]() from None


def accounts_for(
    operation: str, agent_float: Account, agent_commission: Account, aggregator_float: Account
) -> tuple[Account, Account]:
    """(debit, credit) of each owner operation."""
    if operation == "buy_float":
        return aggregator_float, agent_float
    if operation == "return_float":
        return agent_float, aggregator_float
    return agent_commission, agent_float


def buy_float_from_operator(
    *, assistant: Assistant, operator: Operator, amount: int, idempotency_key: str, channel: str
) -> OperatorRequest:
    """Ask `operator` to collect `amount` from the agent's registered phone into its float,
    once per key (the same key for another operator or amount is an IdempotencyConflict)."""
    loaded = Assistant.objects.select_related("store__agent").get(pk=assistant.pk)
    if (done := operator_replay(idempotency_key, loaded, operator, amount)) is not None:
        return done
    check_amount(amount)
    acting = acting_assistant(loaded, owner_only=True)
    agent = acting.store.agent
    started = operators.start_float_top_up(
        operator=operator,
        account=agent.float_account,
        phone=agent.phone,
        amount=amount,
        idempotency_key=idempotency_key,
        metadata={
            "operation": "operator_float",
            "agent_id": agent.pk,
            "language": agent.language,
            "channel": channel,
            "assistant_id": acting.pk,  # who asked (the posting's initiator is the operator)
        },
    )
    # Two different requests racing past the replay check: the first one's key stands.
    return same_operator_request(started, loaded, operator, amount)


def operator_replay(
    key: str, assistant: Assistant, operator: Operator, amount: int
) -> OperatorRequest | None:
    """The float purchase already started under `key`, if any; IdempotencyConflict if the key
    was used for anything else (another purchase, or a posting). Lets a channel answer a retry
    before asking for the PIN again."""
    if Transaction.objects.filter(idempotency_key=key).exists():
        raise IdempotencyConflict()
    found = OperatorRequest.objects.filter(idempotency_key=key).first()
    return None if found is None else same_operator_request(found, assistant, operator, amount)


def same_operator_request(
    found: OperatorRequest, assistant: Assistant, operator: Operator, amount: int
) -> OperatorRequest:
    asked = (operator.pk, RequestKind.COLLECTION, assistant.store.agent.float_account_id, amount)
    if (found.operator_id, found.kind, found.wallet_id, found.amount) != asked:
        raise IdempotencyConflict()
    return found
