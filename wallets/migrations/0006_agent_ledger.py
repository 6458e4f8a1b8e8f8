"""Agents on the ledger: transaction and tariff kinds for cash-in and cash-out, named daily
limit counters checked inside `wallets_post`, self-registration per tier, and the Kenyan
withdrawal tariff.

Withdrawal tariff (reference/domain-and-security.md 1.1, tengele.com 2026): KES 50-100 costs
11, 101-1,500 costs 29, 50,001-250,000 costs 309. The bands in between follow Safaricom's
published sheet and should be checked against the current one before going live. KES 50 is
the minimum withdrawal: amounts below the first band have no fee and are refused.
"""

import datetime
import importlib

from django.db import migrations, models

START = datetime.datetime(2023, 9, 1, tzinfo=datetime.UTC)
KES = 100  # minor units per shilling

CASH_OUT_BANDS = [  # (from, to, fee) in shillings
    (50, 100, 11),
    (101, 500, 29),
    (501, 1_000, 29),
    (1_001, 1_500, 29),
    (1_501, 2_500, 29),
    (2_501, 3_500, 52),
    (3_501, 5_000, 69),
    (5_001, 7_500, 87),
    (7_501, 10_000, 115),
    (10_001, 15_000, 167),
    (15_001, 20_000, 185),
    (20_001, 35_000, 197),
    (35_001, 50_000, 278),
    (50_001, 250_000, 309),
]


def seed_cash_out_tariff(apps, schema_editor):
    Tariff = apps.get_model("wallets", "Tariff")
    TariffBand = apps.get_model("wallets", "TariffBand")
    tariff, created = Tariff.objects.get_or_create(
        kind="cash_out",
        currency="KES",
        effective_from=START,
        defaults={"description": "Kenya agent withdrawal schedule (M-Pesa shaped)"},
    )
    if created:
        TariffBand.objects.bulk_create(
            TariffBand(
                tariff=tariff,
                min_amount=low * KES if index == 0 else CASH_OUT_BANDS[index - 1][1] * KES + 1,
                max_amount=high * KES,
                fee=fee * KES,
            )
            for index, (low, high, fee) in enumerate(CASH_OUT_BANDS)
        )


OLD_SIGNATURE = (
    "text, text, text, text, text, text, text, jsonb, bigint, bigint[], bigint[], bigint[],"
    " text, bigint, bigint, bigint, boolean, bigint, bigint, date, date"
)
NEW_SIGNATURE = OLD_SIGNATURE + ", text, bigint, bigint"

NEW_POST = r"""
CREATE FUNCTION wallets_post(
    p_kind text, p_key text, p_request_hash text, p_reference text, p_currency text,
    p_channel text, p_initiator text, p_metadata jsonb, p_amount bigint,
    p_debits bigint[], p_credits bigint[], p_amounts bigint[],
    p_fee_kind text, p_fee_payer bigint, p_fee_account bigint,
    p_limited_account bigint, p_receiver_limits boolean,
    p_hold_id bigint, p_reverses bigint, p_today date, p_month date,
    p_counter_key text, p_counter_max_txn bigint, p_counter_max_daily bigint)
RETURNS SETOF wallets_transaction LANGUAGE plpgsql AS $$
DECLARE
    v_now timestamptz := now();
    v_tx wallets_transaction;
    v_fee bigint := 0;
    v_lim record;
    v_max_daily bigint;
    v_max_monthly bigint;
    v_hold_account bigint;
    v_hold_amount bigint := 0;
    v_cap record;
    v_acc record;
    v_row record;
    v_legs text;
    v_anchor bigint;
    v_hash text;
    v_seq integer;
    v_hold record;
    v_release bigint;
    v_hold_posted boolean := false;
    v_out bigint;
    v_max_balance bigint;
    v_shard smallint := (hashtext(p_reference) & 2147483647) % 16;
BEGIN
    SELECT * INTO v_tx FROM wallets_transaction WHERE idempotency_key = p_key;
    IF FOUND THEN
        IF v_tx.request_hash <> p_request_hash THEN
            RAISE EXCEPTION 'idempotency_conflict';
        END IF;
        RETURN NEXT v_tx;
        RETURN;
    END IF;

    -- The sender's status and limits come before the fee: an amount above the per-transaction
    -- limit is usually above the top fee band too, and "over your limit" is the true answer.
    IF p_limited_account IS NOT NULL THEN
        SELECT * INTO v_lim FROM wallets_limits_for(p_limited_account, v_now);
        IF NOT FOUND OR v_lim.status <> 'active' THEN RAISE EXCEPTION 'account_not_active'; END IF;
        IF NOT v_lim.configured THEN RAISE EXCEPTION 'limits_not_configured'; END IF;
        IF p_amount < v_lim.min_amount THEN RAISE EXCEPTION 'amount_below_minimum'; END IF;
        IF p_amount > v_lim.max_per_transaction THEN RAISE EXCEPTION 'limit_per_transaction'; END IF;
        v_max_daily := v_lim.max_daily;
        v_max_monthly := v_lim.max_monthly;
    END IF;

    -- A named daily limit besides the tier's (an agent's cash-in or cash-out). Its row is
    -- locked before any account row, in every posting that uses one, so no lock cycle forms.
    IF p_counter_key IS NOT NULL THEN
        IF p_counter_max_txn IS NOT NULL AND p_amount > p_counter_max_txn THEN
            RAISE EXCEPTION 'counter_limit_per_transaction';
        END IF;
        INSERT INTO wallets_limitcounter (key, day_on, day_total) VALUES (p_counter_key, p_today, 0)
        ON CONFLICT (key) DO NOTHING;
        UPDATE wallets_limitcounter
           SET day_total = CASE WHEN day_on = p_today THEN day_total ELSE 0 END + p_amount,
               day_on = p_today
         WHERE key = p_counter_key
           AND (p_counter_max_daily IS NULL
                OR (CASE WHEN day_on = p_today THEN day_total ELSE 0 END) + p_amount <= p_counter_max_daily);
        IF NOT FOUND THEN
            PERFORM wallets_check_twin(p_key);
            RAISE EXCEPTION 'counter_limit_daily';
        END IF;
    END IF;

    IF p_fee_kind IS NOT NULL THEN
        IF p_fee_account IS NULL THEN
            SELECT id INTO p_fee_account FROM wallets_account WHERE code = 'fee_income:' || p_currency;
            IF NOT FOUND THEN RAISE EXCEPTION 'no_fee_account'; END IF;
        END IF;
        v_fee := wallets_fee_for(p_fee_kind, p_currency, p_amount, v_now);
        IF v_fee IS NULL THEN RAISE EXCEPTION 'no_tariff'; END IF;
        IF v_fee > 0 THEN
            p_debits := p_debits || p_fee_payer;
            p_credits := p_credits || p_fee_account;
            p_amounts := p_amounts || v_fee;
        END IF;
    END IF;
    IF coalesce(array_length(p_amounts, 1), 0) = 0 THEN RAISE EXCEPTION 'no_postings'; END IF;

    IF p_hold_id IS NOT NULL THEN
        SELECT id, account_id, amount, state INTO v_hold FROM wallets_hold WHERE id = p_hold_id FOR UPDATE;
        IF NOT FOUND OR v_hold.state <> 'open' THEN
            PERFORM wallets_check_twin(p_key);
            RAISE EXCEPTION 'hold_not_open';
        END IF;
        v_hold_account := v_hold.account_id;
        v_hold_amount := v_hold.amount;
    END IF;

    IF p_reverses IS NOT NULL THEN
        UPDATE wallets_transaction SET status = 'reversed' WHERE id = p_reverses AND status = 'posted';
        IF NOT FOUND THEN
            PERFORM wallets_check_twin(p_key);
            RAISE EXCEPTION 'already_reversed';
        END IF;
    END IF;

    v_legs := wallets_legs_text(p_debits, p_credits, p_amounts);

    -- Customer and agent accounts: one conditional UPDATE each, in primary-key order, so two
    -- transfers in opposite directions cannot deadlock. The first one anchors the hash chain.
    FOR v_acc IN
        SELECT a.id, a.kind, a.currency, a.customer_id,
               sum(CASE WHEN a.id = x.c THEN x.amt ELSE -x.amt END) AS delta
          FROM unnest(p_debits, p_credits, p_amounts) x(d, c, amt)
          JOIN wallets_account a ON a.id = x.d OR a.id = x.c
         GROUP BY a.id
         ORDER BY a.kind IN ('fee_income', 'settlement', 'trust', 'suspense', 'issuance'), a.id
    LOOP
        IF v_acc.currency <> p_currency THEN RAISE EXCEPTION 'currency_mismatch'; END IF;
        IF v_acc.kind IN ('fee_income', 'settlement', 'trust', 'suspense', 'issuance') THEN
            IF v_anchor IS NULL THEN
                -- Only house accounts move: anchor on the first, locking its row (rare path).
                v_anchor := v_acc.id;
                UPDATE wallets_account
                   SET chain_head = wallets_digest(chain_head, p_reference, p_kind, p_currency, p_key,
                                                   p_amount, v_fee, v_now, v_legs),
                       chain_length = chain_length + 1
                 WHERE id = v_acc.id
             RETURNING chain_head, chain_length INTO v_hash, v_seq;
            END IF;
            UPDATE wallets_housebalance SET balance = balance + v_acc.delta
             WHERE account_id = v_acc.id AND shard = v_shard;
            IF NOT FOUND THEN RAISE EXCEPTION 'house_account_without_shards'; END IF;
            CONTINUE;
        END IF;

        v_release := CASE WHEN v_acc.id = v_hold_account THEN v_hold_amount ELSE 0 END;
        v_hold_posted := v_hold_posted OR v_acc.id = v_hold_account;
        v_out := CASE WHEN v_acc.id = p_limited_account THEN p_amount ELSE 0 END;
        v_max_balance := NULL;
        IF v_acc.delta > 0 AND p_receiver_limits AND v_acc.kind = 'customer_wallet' THEN
            SELECT * INTO v_cap FROM wallets_limits_for(v_acc.id, v_now);
            IF v_cap.status = 'closed' OR (v_cap.status = 'frozen' AND v_acc.id <> coalesce(p_limited_account, 0)) THEN
                RAISE EXCEPTION 'recipient_not_active';
            END IF;
            v_max_balance := v_cap.max_balance;
        END IF;

        UPDATE wallets_account SET
               balance = balance + v_acc.delta,
               held = held - v_release,
               day_total = CASE WHEN day_on = p_today THEN day_total ELSE 0 END + v_out,
               day_on = CASE WHEN v_out > 0 THEN p_today ELSE day_on END,
               month_total = CASE WHEN month_on = p_month THEN month_total ELSE 0 END + v_out,
               month_on = CASE WHEN v_out > 0 THEN p_month ELSE month_on END,
               chain_head = CASE WHEN v_anchor IS NULL
                   THEN wallets_digest(chain_head, p_reference, p_kind, p_currency, p_key,
                                       p_amount, v_fee, v_now, v_legs)
                   ELSE chain_head END,
               chain_length = chain_length + CASE WHEN v_anchor IS NULL THEN 1 ELSE 0 END
         WHERE id = v_acc.id
           AND (v_acc.delta >= 0 OR balance + v_acc.delta - (held - v_release) >= 0)
           AND (v_out = 0 OR (CASE WHEN day_on = p_today THEN day_total ELSE 0 END) + v_out <= v_max_daily)
           AND (v_out = 0 OR v_max_monthly IS NULL
                OR (CASE WHEN month_on = p_month THEN month_total ELSE 0 END) + v_out <= v_max_monthly)
           AND (v_max_balance IS NULL OR balance + v_acc.delta <= v_max_balance)
        RETURNING chain_head, chain_length INTO v_row;

        IF NOT FOUND THEN
            -- Name the rule that refused. The row is re-read under its lock: if a concurrent
            -- commit changed it since the UPDATE looked, no rule may fail now, and the whole
            -- posting is retried rather than blamed on the monthly limit.
            SELECT * INTO v_row FROM wallets_account WHERE id = v_acc.id FOR UPDATE;
            PERFORM wallets_check_twin(p_key);
            IF v_acc.delta < 0 AND v_row.balance + v_acc.delta - (v_row.held - v_release) < 0 THEN
                RAISE EXCEPTION 'insufficient_funds';
            ELSIF v_max_balance IS NOT NULL AND v_row.balance + v_acc.delta > v_max_balance THEN
                RAISE EXCEPTION 'limit_receiver_balance';
            ELSIF v_out > 0 AND (CASE WHEN v_row.day_on = p_today THEN v_row.day_total ELSE 0 END) + v_out > v_max_daily THEN
                RAISE EXCEPTION 'limit_daily';
            ELSIF v_out > 0 AND v_max_monthly IS NOT NULL
                  AND (CASE WHEN v_row.month_on = p_month THEN v_row.month_total ELSE 0 END) + v_out > v_max_monthly THEN
                RAISE EXCEPTION 'limit_monthly';
            ELSE
                RAISE EXCEPTION 'concurrent_change';
            END IF;
        END IF;
        IF v_anchor IS NULL THEN
            v_anchor := v_acc.id;
            v_hash := v_row.chain_head;
            v_seq := v_row.chain_length;
        END IF;
    END LOOP;
    -- The held amount leaves `held` only in the UPDATE of the held account's row.
    IF p_hold_id IS NOT NULL AND NOT v_hold_posted THEN RAISE EXCEPTION 'hold_account_not_posted'; END IF;

    INSERT INTO wallets_transaction (reference, kind, status, idempotency_key, request_hash, channel,
                                     initiator, metadata, currency, amount, fee, created_at,
                                     reverses_id, anchor_account_id, chain_sequence, hash)
    VALUES (p_reference, p_kind, 'posted', p_key, p_request_hash, p_channel, coalesce(p_initiator, ''),
            coalesce(p_metadata, '{}'::jsonb), p_currency, p_amount, v_fee, v_now,
            p_reverses, v_anchor, v_seq, v_hash)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING * INTO v_tx;
    IF NOT FOUND THEN RAISE EXCEPTION 'idempotency_race'; END IF;

    INSERT INTO wallets_posting (transaction_id, debit_account_id, credit_account_id, amount)
    SELECT v_tx.id, d, c, a FROM unnest(p_debits, p_credits, p_amounts) WITH ORDINALITY x(d, c, a, n)
     ORDER BY n;

    -- What the posting must cause later (receipts, notifications), in the same transaction;
    -- wallets.outbox delivers it after commit. (The table comes with migration 0004.)
    INSERT INTO wallets_outbox (topic, transaction_id, payload, created_at, attempts, last_error)
    VALUES ('transaction.posted', v_tx.id, '{}'::jsonb, v_now, 0, '');

    IF p_hold_id IS NOT NULL THEN
        UPDATE wallets_hold SET state = 'committed', ended_at = v_now, end_reason = 'committed',
                                transaction_id = v_tx.id
         WHERE id = p_hold_id;
    END IF;

    RETURN NEXT v_tx;
END $$;
"""


def _old_post() -> str:
    """The function as migration 0002 created it, for unapplying this one."""
    sql = importlib.import_module("wallets.migrations.0002_ledger_sql").SQL
    start = sql.index("CREATE FUNCTION wallets_post(")
    return sql[start : sql.index("END $$;", start) + len("END $$;")]


POST_SQL = f"DROP FUNCTION wallets_post({OLD_SIGNATURE});\n{NEW_POST}"
REVERSE_POST_SQL = f"DROP FUNCTION wallets_post({NEW_SIGNATURE});\n{_old_post()}"


class Migration(migrations.Migration):
    dependencies = [
        ("wallets", "0005_airtime_kind"),
    ]

    operations = [
        migrations.CreateModel(
            name="LimitCounter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=100, unique=True)),
                ("day_on", models.DateField()),
                ("day_total", models.BigIntegerField(default=0)),
            ],
            options={
                "ordering": ["key"],
            },
        ),
        migrations.AddField(
            model_name="customer",
            name="kyc_review",
            field=models.CharField(
                blank=True, help_text="Why compliance should look at this customer.", max_length=200
            ),
        ),
        migrations.AddField(
            model_name="tierlimit",
            name="open_by_phone",
            field=models.BooleanField(
                default=False,
                help_text="People may open a wallet of this tier themselves, from the USSD menu.",
            ),
        ),
        migrations.AlterField(
            model_name="tariff",
            name="kind",
            field=models.CharField(
                choices=[("send_money", "Send money"), ("cash_out", "Withdrawal at an agent")],
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
                ],
                max_length=32,
            ),
        ),
        migrations.RunPython(seed_cash_out_tariff, migrations.RunPython.noop),
        migrations.RunSQL(POST_SQL, REVERSE_POST_SQL),
    ]
