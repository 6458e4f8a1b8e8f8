"""Seed the Kenyan agent commission tables, in KES minor units (editable in the admin).

Source: Safaricom's 2022 agent commission structure, as reported by
victormatara.com/mpesa-agent-commission-structure-for-2018 (reference/domain-and-security.md
2.2). The commission is the total per operation; the aggregator's share comes out of it.

Band edges are the source's (deposits deliberately offset: ...510, ...1,010). In minor units
each band starts one cent after the previous one ends, so KES 100.01 falls in the 101-510
deposit band. The source elides some rows ("..."); only rows it gives are filled, and two
kinds of band are added that it does not give, each marked below:

- a band bridging an elided gap (deposits KES 25,021-45,020) carries the commission of the
  band before it, so the table stays contiguous (`check_bands`);
- the last band of each table is extended to KES 250,000 (the largest amount one operation
  may move, CBK 2023) by a band with the commission of the last given one, so every amount a
  customer may deposit or withdraw has a band.

These assumed rows are the place to start when checking against the current Safaricom sheet.
"""

import datetime

from django.db import migrations

START = datetime.datetime(2022, 1, 1, tzinfo=datetime.UTC)
KES = 100  # minor units per shilling

CASH_IN_BANDS = [  # (from, to, commission) in shillings
    (50, 100, 4),
    (101, 510, 8),
    (511, 1_010, 9),
    (1_011, 1_510, 10),
    (1_511, 2_510, 11),
    (2_511, 3_510, 12),
    (3_511, 5_010, 14),
    (5_011, 7_510, 20),
    (7_511, 10_010, 28),
    (10_011, 15_010, 40),
    (15_011, 20_020, 55),
    (20_021, 25_020, 71),
    (25_021, 45_020, 71),  # assumed: the source elides these rows
    (45_021, 50_020, 150),
    (50_021, 150_000, 190),
    (150_001, 250_000, 190),  # assumed: extends the table to KES 250,000
]

CASH_OUT_BANDS = [  # (from, to, commission) in shillings
    (50, 100, 5),
    (101, 500, 8),
    (501, 1_000, 10),
    (1_001, 1_500, 12),
    (1_501, 2_500, 15),
    (2_501, 3_500, 20),
    (3_501, 5_000, 25),
    (5_001, 7_500, 30),
    (7_501, 10_000, 35),
    (10_001, 15_000, 45),
    (15_001, 20_000, 60),
    (20_001, 25_000, 65),
    (25_001, 250_000, 65),  # assumed: the source elides the rest; extends to KES 250,000
]

TABLES = {
    "cash_in": (CASH_IN_BANDS, "Kenya agent deposit commission (Safaricom 2022)"),
    "cash_out": (CASH_OUT_BANDS, "Kenya agent withdrawal commission (Safaricom 2022)"),
}


def minor_unit_bands(bands):
    """(min, max, commission) in minor units, each band starting one cent after the last."""
    return [
        (low * KES if index == 0 else bands[index - 1][1] * KES + 1, high * KES, commission * KES)
        for index, (low, high, commission) in enumerate(bands)
    ]


def seed(apps, schema_editor):
    CommissionTable = apps.get_model("agents", "CommissionTable")
    CommissionBand = apps.get_model("agents", "CommissionBand")
    for kind, (bands, description) in TABLES.items():
        table, created = CommissionTable.objects.get_or_create(
            kind=kind, currency="KES", effective_from=START, defaults={"description": description}
        )
        if created:
            CommissionBand.objects.bulk_create(
                CommissionBand(table=table, min_amount=low, max_amount=high, commission=amount)
                for low, high, amount in minor_unit_bands(bands)
            )


class Migration(migrations.Migration):
    dependencies = [("agents", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
