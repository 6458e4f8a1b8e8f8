"""Merchants on the ledger: the merchant account kind, merchant payments, mandate debits and
disbursements, and the default fee schedules for them.

The schedules are ours, not a regulator's: merchants pay a small fee on what they receive
(the customer pays the price only, as with M-Pesa's Buy Goods), and payments of a few
shillings are free so that micropayments stay worth making. Edit them in the admin (new
versions go through maker-checker); amounts are minor units (KES cents).
"""

import datetime

from django.db import migrations, models

START = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
KES = 100
TOP = 250_000 * KES  # the highest per-transaction limit of any tier

SCHEDULES = {  # kind: (description, [(from, to, fee)] in cents)
    "merchant_standard": (
        "Merchant payments, standard: free up to KES 200",
        [
            (1, 200 * KES, 0),
            (200 * KES + 1, 1_000 * KES, 2 * KES),
            (1_000 * KES + 1, 5_000 * KES, 10 * KES),
            (5_000 * KES + 1, 20_000 * KES, 50 * KES),
            (20_000 * KES + 1, 70_000 * KES, 150 * KES),
            (70_000 * KES + 1, TOP, 300 * KES),
        ],
    ),
    "merchant_micro": (
        "Merchant payments, micropayments: free up to KES 100, then KES 1 to KES 1,000",
        [
            (1, 100 * KES, 0),
            (100 * KES + 1, 1_000 * KES, 1 * KES),
            (1_000 * KES + 1, 10_000 * KES, 10 * KES),
            (10_000 * KES + 1, TOP, 100 * KES),
        ],
    ),
    "disbursement": (
        "Disbursements from a business (salaries, payouts), paid by the business",
        [
            (1, 1_000 * KES, 5 * KES),
            (1_000 * KES + 1, 10_000 * KES, 10 * KES),
            (10_000 * KES + 1, TOP, 25 * KES),
        ],
    ),
}


def seed_schedules(apps, schema_editor):
    Tariff = apps.get_model("wallets", "Tariff")
    TariffBand = apps.get_model("wallets", "TariffBand")
    for kind, (description, bands) in SCHEDULES.items():
        tariff, created = Tariff.objects.get_or_create(
            kind=kind, currency="KES", effective_from=START, defaults={"description": description}
        )
        if created:
            TariffBand.objects.bulk_create(
                TariffBand(tariff=tariff, min_amount=low, max_amount=high, fee=fee)
                for low, high, fee in bands
            )


def unseed_schedules(apps, schema_editor):
    Tariff = apps.get_model("wallets", "Tariff")
    Tariff.objects.filter(kind__in=list(SCHEDULES), effective_from=START).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("wallets", "0010_pin_must_change"),
    ]

    operations = [
        migrations.AlterField(
            model_name="account",
            name="kind",
            field=models.CharField(
                choices=[
                    ("customer_wallet", "Customer wallet"),
                    ("agent_float", "Agent float"),
                    ("agent_commission", "Agent commission"),
                    ("fee_income", "Fee income"),
                    ("settlement", "Operator settlement"),
                    ("trust", "Trust (bank)"),
                    ("suspense", "Suspense"),
                    ("issuance", "Issuance"),
                    ("merchant", "Merchant"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="tariff",
            name="kind",
            field=models.CharField(
                choices=[
                    ("send_money", "Send money"),
                    ("cash_out", "Withdrawal at an agent"),
                    ("merchant_standard", "Merchant payments: standard"),
                    ("merchant_micro", "Merchant payments: micropayments"),
                    ("disbursement", "Disbursement from a business"),
                ],
                max_length=32,
            ),
        ),
        migrations.AlterField(
            model_name="transaction",
            name="kind",
            field=models.CharField(
                choices=[
                    ("fund", "Funding from issuance"),
                    ("send_money", "Send money"),
                    ("hold_commit", "Committed hold"),
                    ("reversal", "Reversal"),
                    ("adjustment", "Adjustment"),
                    ("airtime", "Airtime purchase"),
                    ("cash_in", "Cash-in at an agent"),
                    ("cash_out", "Cash-out at an agent"),
                    ("float_transfer", "Float purchase or return"),
                    ("commission_move", "Commission moved to float"),
                    ("operator_top_up", "Top-up from an operator"),
                    ("operator_payout", "Withdrawal to an operator"),
                    ("merchant_pay", "Payment to a merchant"),
                    ("mandate_debit", "Debit under a customer's mandate"),
                    ("disbursement", "Disbursement from a business"),
                ],
                max_length=32,
            ),
        ),
        migrations.RunPython(seed_schedules, unseed_schedules),
    ]
