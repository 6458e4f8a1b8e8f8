"""The outbox handler of "transaction.posted" for agent operations (registered in
`AgentsConfig.ready`).

For each posting made by `agents.services` (its metadata names the operation) it, in the
outbox delivery's database transaction:

1. enters a cash-in or cash-out in the store's cash drawer (once per transaction);
2. raises the split-transaction and velocity flags (once, by dedup key);
3. queues the SMS receipts, one per party, under `receipt:<reference>:<phone>` as the
   customer receipts of `ussd.sms` are, so a second delivery queues nothing;
4. queues a low-float or low-cash alert to the agent's phone, at most one of each kind per
   agent per day.

Delivery is at-least-once, so every step is idempotent.
"""

from __future__ import annotations

from django.utils import timezone

from agents.receipts import RENDERERS, Scene, alerts_for, scene_for
from agents.services import flags
from agents.services.drawer import enter_movement, expected_cash
from ussd.sms.receipts import RECEIPT
from ussd.sms.services import queue_sms
from wallets.models import OutboxMessage, Transaction

ALERT = "agent_alert"


def on_transaction_posted(message: OutboxMessage) -> None:
    posted = message.transaction
    if posted is None or not isinstance(posted.metadata, dict):
        return
    if posted.metadata.get("operation") not in RENDERERS:
        return
    scene = scene_for(posted)
    cash = None
    if posted.metadata.get("store_id") and scene.parties.store is not None:
        entered = enter_movement(posted)
        if entered is not None:
            record_flags(posted, scene)
            flags.record_velocity(entered[0])
            cash = expected_cash(scene.parties.store)
    queue_receipts(scene)
    queue_alerts(scene, cash)


def record_flags(posted: Transaction, scene: Scene) -> None:
    agent, customer = scene.parties.agent, scene.parties.customer
    if agent is not None and customer is not None:
        flags.record_split(posted, agent=agent, customer=customer)


def queue_receipts(scene: Scene) -> None:
    reference = scene.posted.reference
    for receipt in RENDERERS[scene.posted.metadata["operation"]](scene):
        queue_sms(
            to=receipt.phone,
            text=receipt.text,
            purpose=RECEIPT,
            dedup_key=f"{RECEIPT}:{reference}:{receipt.phone}",
            language=receipt.language,
            reference=reference,
        )


def queue_alerts(scene: Scene, cash: int | None) -> None:
    agent = scene.parties.agent
    if agent is None:
        return
    day = timezone.localdate().isoformat()
    for alert in alerts_for(scene, expected_cash=cash):
        queue_sms(
            to=alert.receipt.phone,
            text=alert.receipt.text,
            purpose=ALERT,
            dedup_key=f"{alert.kind}:{agent.pk}:{day}",
            language=alert.receipt.language,
        )
