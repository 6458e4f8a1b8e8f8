"""A leaner `wallets_post`: the same checks and effects with less work per posting (issue 8).

Measured with perf on the posting function alone, a posting spent about a third of its
database time on work that is not the ledger's: re-planning its statements on every call
(custom plans), running the fee and legs helpers as SQL functions through the function
manager, and checking three foreign keys per posting row at commit. Each of those checks
takes a KEY SHARE lock on the referenced account row; on the fee-income account, which every
posting credits, that makes a multixact out of every concurrent posting.

- The function plans its statements once per session (`plan_cache_mode`), with sequential
  scans ruled out (`enable_seqscan`): each statement finds its rows by a unique index, and a
  plan made while a table was nearly empty must not scan it once it has grown.
- The fee lookup and the legs' canonical text run inline.
- The transaction, its postings and its outbox row are written by one statement.
- `wallets_posting` keeps no foreign keys to accounts and transactions. What they guaranteed
  still holds: `wallets_post`, the only writer of postings, refuses an account that does not
  exist (`unknown_account`) and writes the transaction in the same statement; accounts cannot be
  deleted (a trigger, like the ones on postings and transactions); and `check_ledger` reports
  any posting whose transaction or account is missing.
"""

import importlib

from django.db import migrations, models

SIGNATURE = (
    "text, text, text, text, text, text, text, jsonb, bigint, bigint[], bigint[], bigint[],"
    " text, bigint, bigint, bigint, boolean, bigint, bigint, date, date, text, bigint, bigint"
)

POST = r"""
CREATE OR REPLACE FUNCTION wallets_post(
    p_kind text, p_key text, p_request_hash text, p_reference text, p_currency text,
    p_channel text, p_initiator text, p_metadata jsonb, p_amount bigint,
    p_debits bigint[], p_credits bigint[], p_amounts bigint[],
    p_fee_kind text, p_fee_payer bigint, p_fee_account bigint,
    p_limited_account bigint, p_receiver_limits boolean,
    p_hold_id bigint, p_reverses bigint, p_today date, p_month date,
    p_counter_key text, p_counter_max_txn bigint, p_counter_max_daily bigint)
RETURNS SETOF wallets_transaction LANGUAGE plpgsql
-- Plans are made once per session, at the first call, whatever the tables held then: every
-- statement here finds its rows by a unique index, and must keep doing so when the table
-- has grown since (a plan made on a nearly empty table would otherwise scan it, every call).
SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
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
        -- wallets_fee_for, inline: the band of the tariff in force that covers the amount.
        SELECT b.fee INTO v_fee FROM wallets_tariffband b
         WHERE b.tariff_id = (SELECT t.id FROM wallets_tariff t
                               WHERE t.kind = p_fee_kind AND t.currency = p_currency
                                 AND t.effective_from <= v_now
                               ORDER BY t.effective_from DESC LIMIT 1)
           AND p_amount BETWEEN b.min_amount AND b.max_amount;
        IF NOT FOUND OR v_fee IS NULL THEN RAISE EXCEPTION 'no_tariff'; END IF;
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

    -- wallets_legs_text, inline: the canonical text of the legs, in posting order.
    SELECT string_agg(d || '>' || c || ':' || a, ',' ORDER BY n) INTO v_legs
      FROM unnest(p_debits, p_credits, p_amounts) WITH ORDINALITY x(d, c, a, n);

    -- Customer and agent accounts: one conditional UPDATE each, in primary-key order, so two
    -- transfers in opposite directions cannot deadlock. The first one anchors the hash chain.
    -- An id with no account comes back with a NULL kind and stops the posting. The account is
    -- looked up by primary key for each id (LATERAL, kept apart by OFFSET 0): the plan is
    -- generic, made without the arrays' sizes, and must not become a hash join over a scan of
    -- every account.
    FOR v_acc IN
        SELECT m.id, a.id AS found, a.kind, a.currency, m.delta
          FROM (SELECT x.id, sum(x.amt) AS delta
                  FROM (SELECT d AS id, -amt AS amt FROM unnest(p_debits, p_amounts) y(d, amt)
                        UNION ALL
                        SELECT c, amt FROM unnest(p_credits, p_amounts) z(c, amt)) x
                 GROUP BY x.id) m
          LEFT JOIN LATERAL (SELECT w.id, w.kind, w.currency FROM wallets_account w
                              WHERE w.id = m.id OFFSET 0) a ON true
         ORDER BY a.kind IN ('fee_income', 'settlement', 'trust', 'suspense', 'issuance'), m.id
    LOOP
        IF v_acc.found IS NULL THEN RAISE EXCEPTION 'unknown_account'; END IF;
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

    -- The transaction, its postings and, for wallets.outbox to deliver after commit, what the
    -- posting must cause later (receipts, notifications): one statement.
    WITH tx AS (
        INSERT INTO wallets_transaction (reference, kind, status, idempotency_key, request_hash,
                                         channel, initiator, metadata, currency, amount, fee,
                                         created_at, reverses_id, anchor_account_id,
                                         chain_sequence, hash)
        VALUES (p_reference, p_kind, 'posted', p_key, p_request_hash, p_channel,
                coalesce(p_initiator, ''), coalesce(p_metadata, '{}'::jsonb), p_currency, p_amount,
                v_fee, v_now, p_reverses, v_anchor, v_seq, v_hash)
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING *
    ), legs AS (
        INSERT INTO wallets_posting (transaction_id, debit_account_id, credit_account_id, amount)
        SELECT tx.id, x.d, x.c, x.a
          FROM tx, unnest(p_debits, p_credits, p_amounts) WITH ORDINALITY x(d, c, a, n)
         ORDER BY x.n
    ), outbox AS (
        INSERT INTO wallets_outbox (topic, transaction_id, payload, created_at, attempts, last_error)
        SELECT 'transaction.posted', tx.id, '{}'::jsonb, v_now, 0, '' FROM tx
    )
    SELECT * INTO v_tx FROM tx;
    IF NOT FOUND THEN RAISE EXCEPTION 'idempotency_race'; END IF;

    IF p_hold_id IS NOT NULL THEN
        UPDATE wallets_hold SET state = 'committed', ended_at = v_now, end_reason = 'committed',
                                transaction_id = v_tx.id
         WHERE id = p_hold_id;
    END IF;

    RETURN NEXT v_tx;
END $$;

-- wallets_post in a subtransaction: a refusal comes back as a code in the row instead of an
-- error that would abort the caller's transaction. Several postings can then share one commit
-- (wallets.services.one_commit, for batch lines) with one round trip each, where a savepoint
-- per posting from the client costs two more.
CREATE FUNCTION wallets_post_guarded(
    p_kind text, p_key text, p_request_hash text, p_reference text, p_currency text,
    p_channel text, p_initiator text, p_metadata jsonb, p_amount bigint,
    p_debits bigint[], p_credits bigint[], p_amounts bigint[],
    p_fee_kind text, p_fee_payer bigint, p_fee_account bigint,
    p_limited_account bigint, p_receiver_limits boolean,
    p_hold_id bigint, p_reverses bigint, p_today date, p_month date,
    p_counter_key text, p_counter_max_txn bigint, p_counter_max_daily bigint,
    OUT error text, OUT posted wallets_transaction)
LANGUAGE plpgsql AS $$
DECLARE
    v_state text;
    v_constraint text;
BEGIN
    SELECT * INTO posted FROM wallets_post(
        p_kind, p_key, p_request_hash, p_reference, p_currency, p_channel, p_initiator,
        p_metadata, p_amount, p_debits, p_credits, p_amounts, p_fee_kind, p_fee_payer,
        p_fee_account, p_limited_account, p_receiver_limits, p_hold_id, p_reverses, p_today,
        p_month, p_counter_key, p_counter_max_txn, p_counter_max_daily);
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_constraint = CONSTRAINT_NAME;
    -- A domain refusal is its message (a code); anything else is SQLSTATE:constraint.
    error := CASE WHEN v_state = 'P0001' THEN SQLERRM ELSE v_state || ':' || v_constraint END;
    posted := NULL;
END $$;

CREATE TRIGGER wallets_account_no_delete BEFORE DELETE ON wallets_account
    FOR EACH ROW EXECUTE FUNCTION wallets_refuse_change();
"""


def _previous_post() -> str:
    """The function as migration 0006 created it, for unapplying this one."""
    return importlib.import_module("wallets.migrations.0006_agent_ledger").NEW_POST.replace(
        "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1
    )


REVERSE = (
    "DROP TRIGGER wallets_account_no_delete ON wallets_account;\n"
    f"DROP FUNCTION wallets_post_guarded({SIGNATURE});\n" + _previous_post()
)


class Migration(migrations.Migration):
    dependencies = [
        ("wallets", "0013_api_read_permission"),
    ]

    operations = [
        migrations.AlterField(
            model_name="posting",
            name="transaction",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=models.PROTECT,
                related_name="postings",
                to="wallets.transaction",
            ),
        ),
        migrations.AlterField(
            model_name="posting",
            name="debit_account",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=models.PROTECT,
                related_name="+",
                to="wallets.account",
            ),
        ),
        migrations.AlterField(
            model_name="posting",
            name="credit_account",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=models.PROTECT,
                related_name="+",
                to="wallets.account",
            ),
        ),
        migrations.RunSQL(POST, REVERSE),
    ]
