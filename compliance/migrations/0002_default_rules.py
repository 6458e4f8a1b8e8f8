"""Seed the default monitoring rules for Kenya (KES) and the scanner's watermark.

Starting points to tune in the admin (rules are data). Figures from
reference/domain-and-security.md where it gives them:
- 1.1: KES 250,000 per transaction, KES 500,000 a day (CBK, since September 2023);
- 1.5: dormancy periods (Ghana 12 months, Uganda 9 months);
- 2.4: agents whose deposits go to many unrelated wallets (direct deposits);
- 4: comply54's example pack, "> 3 transfers in 1 hour" and "repeated transfers just below a
  reporting threshold"; the World Bank red flags "many senders to one beneficiary",
  "sudden volume increase", "structuring";
- 7F: rapid in-out (pass-through), dormant-then-active, several wallets per ID number.
The other numbers are our own first guesses, said so in each rule's description.
"""

from django.db import migrations
from django.db.models import Max

KES = 100  # minor units per shilling

RULES = [
    {
        "name": "Wallet: more than 3 transfers out in an hour",
        "kind": "velocity",
        "scope": "wallet",
        "severity": "medium",
        "direction": "out",
        "window_minutes": 60,
        "count_threshold": 4,
        "description": "comply54 example pack: more than 3 transfers in 1 hour "
        "(reference/domain-and-security.md 4).",
    },
    {
        "name": "Wallet: KES 400,000 moved in a day",
        "kind": "velocity",
        "scope": "wallet",
        "severity": "medium",
        "direction": "any",
        "window_minutes": 24 * 60,
        "value_threshold": 400_000 * KES,
        "description": "80% of the KES 500,000 daily limit (CBK, reference 1.1), in and out.",
    },
    {
        "name": "Agent: 60 operations in an hour",
        "kind": "velocity",
        "scope": "agent",
        "severity": "low",
        "direction": "any",
        "window_minutes": 60,
        "count_threshold": 60,
        "description": "One a minute for an hour is far above a shop's pace; our first guess.",
    },
    {
        "name": "Agent: KES 2,000,000 through the float in a day",
        "kind": "velocity",
        "scope": "agent",
        "severity": "medium",
        "direction": "any",
        "window_minutes": 24 * 60,
        "value_threshold": 2_000_000 * KES,
        "description": "Four times a customer's daily limit (reference 1.1); our first guess.",
    },
    {
        "name": "Structuring: 3 payments within 10% under the per-transaction limit in a day",
        "kind": "structuring",
        "scope": "wallet",
        "severity": "high",
        "window_minutes": 24 * 60,
        "count_threshold": 3,
        "margin_percent": 10,
        "description": "Repeated amounts just below a limit (reference 4). The limit is the "
        "customer's tier limit: KES 250,000 per transaction in Kenya (reference 1.1).",
    },
    {
        "name": "Fan-in: 10 senders to one wallet in a day",
        "kind": "fan_in",
        "scope": "wallet",
        "severity": "medium",
        "window_minutes": 24 * 60,
        "count_threshold": 10,
        "description": "World Bank red flag: many senders to one beneficiary (reference 4).",
    },
    {
        "name": "Fan-out: one wallet to 10 recipients in a day",
        "kind": "fan_out",
        "scope": "wallet",
        "severity": "medium",
        "window_minutes": 24 * 60,
        "count_threshold": 10,
        "description": "World Bank red flag: multiple third parties doing separate, related, "
        "non-reportable transactions (reference 4).",
    },
    {
        "name": "Agent: deposits to 20 customers in an hour",
        "kind": "fan_out",
        "scope": "agent",
        "severity": "low",
        "window_minutes": 60,
        "count_threshold": 20,
        "description": "Direct deposits: an agent's cash-ins to many unrelated wallets "
        "(reference 2.4). The agents app flags 10 at the agent level; this queues 20 for "
        "compliance.",
    },
    {
        "name": "Rapid in-out: KES 50,000 received, 80% gone within an hour",
        "kind": "rapid_in_out",
        "scope": "wallet",
        "severity": "high",
        "window_minutes": 60,
        "value_threshold": 50_000 * KES,
        "share_percent": 80,
        "description": "Pass-through wallet (reference 7F); thresholds are our first guess.",
    },
    {
        "name": "Dormant 6 months, then KES 100,000 in a day",
        "kind": "dormant_then_active",
        "scope": "wallet",
        "severity": "medium",
        "window_minutes": 24 * 60,
        "dormant_days": 180,
        "value_threshold": 100_000 * KES,
        "description": "Sudden volume increase after silence (reference 4 and 7F); half of "
        "the 12 months after which a wallet is dormant (reference 1.5).",
    },
    {
        "name": "Several wallets on one ID number",
        "kind": "shared_id_number",
        "scope": "customer",
        "severity": "high",
        "count_threshold": 2,
        "description": "ID-number uniqueness policy (reference 7B); KYC_DUPLICATE_ID=flag "
        "lets duplicates open, and this puts them in the queue.",
    },
]


def seed(apps, schema_editor):
    Rule = apps.get_model("compliance", "Rule")
    Watermark = apps.get_model("compliance", "Watermark")
    for rule in RULES:
        Rule.objects.get_or_create(name=rule["name"], defaults={**rule, "currency": "KES"})
    # Start from now: the rules look at recent windows, so history would only be re-read.
    Transaction = apps.get_model("wallets", "Transaction")
    Customer = apps.get_model("wallets", "Customer")
    Watermark.objects.get_or_create(
        name="postings",
        defaults={
            "last_transaction_id": Transaction.objects.aggregate(m=Max("id"))["m"] or 0,
            "last_customer_id": Customer.objects.aggregate(m=Max("id"))["m"] or 0,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial"), ("wallets", "0010_pin_must_change")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
