"""Seed the Kenyan market rules (editable in the admin; new rows take over by effective date).

Limits (CBK approval, since Sep 2023; reference/domain-and-security.md 1.1): KES 250,000 per
transaction, KES 500,000 a day, KES 500,000 maximum balance; no monthly figure was published,
so none is set. Tier 0 (phone only) has no limits row: it cannot transact until registered.

Send-money tariff (reference/anchors-features.md 2.1): free for KES 1-100, 7 for 101-500,
13 for 501-1,000, 108 for 50,001-250,000. The bands in between follow Safaricom's published
2023 sheet and should be checked against the current one before going live.
"""

import datetime

from django.db import migrations

START = datetime.datetime(2023, 9, 1, tzinfo=datetime.UTC)
KES = 100  # minor units per shilling

SEND_MONEY_BANDS = [  # (from, to, fee) in shillings
    (1, 100, 0),
    (101, 500, 7),
    (501, 1_000, 13),
    (1_001, 1_500, 23),
    (1_501, 2_500, 33),
    (2_501, 3_500, 53),
    (3_501, 5_000, 57),
    (5_001, 7_500, 78),
    (7_501, 10_000, 90),
    (10_001, 15_000, 100),
    (15_001, 20_000, 105),
    (20_001, 35_000, 108),
    (35_001, 50_000, 108),
    (50_001, 250_000, 108),
]


def seed(apps, schema_editor):
    TierLimit = apps.get_model("wallets", "TierLimit")
    Tariff = apps.get_model("wallets", "Tariff")
    TariffBand = apps.get_model("wallets", "TariffBand")
    for tier in ("tier1", "tier2"):
        TierLimit.objects.get_or_create(
            tier=tier,
            currency="KES",
            effective_from=START,
            defaults={
                "min_amount": 1 * KES,
                "max_per_transaction": 250_000 * KES,
                "max_daily": 500_000 * KES,
                "max_monthly": None,
                "max_balance": 500_000 * KES,
                "source": "CBK approval, September 2023",
            },
        )
    tariff, created = Tariff.objects.get_or_create(
        kind="send_money",
        currency="KES",
        effective_from=START,
        defaults={"description": "Kenya send-money schedule (M-Pesa shaped)"},
    )
    if created:
        # Bands are contiguous in minor units: KES 100.01 falls in the 101-500 band.
        TariffBand.objects.bulk_create(
            TariffBand(
                tariff=tariff,
                min_amount=low * KES if index == 0 else SEND_MONEY_BANDS[index - 1][1] * KES + 1,
                max_amount=high * KES,
                fee=fee * KES,
            )
            for index, (low, high, fee) in enumerate(SEND_MONEY_BANDS)
        )


class Migration(migrations.Migration):
    dependencies = [("wallets", "0002_ledger_sql")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
