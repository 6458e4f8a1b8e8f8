"""Database-enforced ledger rules and the posting function.

- Triggers refuse UPDATE/DELETE of postings, of a transaction's money fields, and of ended
  holds. (TRUNCATE stays possible for the test suite; production revokes it by grants.)
- `wallets_post(...)` is the one statement that posts a transaction: idempotency check, fee,
  limits, conditional balance updates in primary-key order (lock, funds check and write in
  one statement each), the hash chain, the transaction and its postings, and the house-account
  shards. One round trip keeps row locks short; `wallets.services.posting` is its only caller.
"""

from django.db import migrations

SQL = r"""
-- Balance rows are updated on every posting: leave room in each page for HOT updates.
ALTER TABLE wallets_account SET (fillfactor = 80);
ALTER TABLE wallets_housebalance SET (fillfactor = 50);

CREATE FUNCTION wallets_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'append_only' USING DETAIL = TG_TABLE_NAME || ' rows cannot be changed or deleted';
END $$;

CREATE TRIGGER wallets_posting_append_only BEFORE UPDATE OR DELETE ON wallets_posting
    FOR EACH ROW EXECUTE FUNCTION wallets_refuse_change();
CREATE TRIGGER wallets_transaction_no_delete BEFORE DELETE ON wallets_transaction
    FOR EACH ROW EXECUTE FUNCTION wallets_refuse_change();
CREATE TRIGGER wallets_hold_no_delete BEFORE DELETE ON wallets_hold
    FOR EACH ROW EXECUTE FUNCTION wallets_refuse_change();

CREATE FUNCTION wallets_transaction_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.reference, NEW.kind, NEW.idempotency_key, NEW.request_hash, NEW.channel,
        NEW.initiator, NEW.metadata, NEW.currency, NEW.amount, NEW.fee, NEW.created_at,
        NEW.reverses_id, NEW.anchor_account_id, NEW.chain_sequence, NEW.hash)
       IS DISTINCT FROM
       (OLD.reference, OLD.kind, OLD.idempotency_key, OLD.request_hash, OLD.channel,
        OLD.initiator, OLD.metadata, OLD.currency, OLD.amount, OLD.fee, OLD.created_at,
        OLD.reverses_id, OLD.anchor_account_id, OLD.chain_sequence, OLD.hash) THEN
        RAISE EXCEPTION 'append_only' USING DETAIL = 'a transaction''s recorded fields cannot change';
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status
       AND NOT (OLD.status = 'posted' AND NEW.status = 'reversed') THEN
        RAISE EXCEPTION 'append_only' USING DETAIL = 'a transaction can only go from posted to reversed';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER wallets_transaction_guard BEFORE UPDATE ON wallets_transaction
    FOR EACH ROW EXECUTE FUNCTION wallets_transaction_guard();

CREATE FUNCTION wallets_hold_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state <> 'open' OR NEW.account_id <> OLD.account_id OR NEW.amount <> OLD.amount
       OR NEW.idempotency_key <> OLD.idempotency_key THEN
        RAISE EXCEPTION 'append_only' USING DETAIL = 'a hold ends once and keeps its amount';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER wallets_hold_guard BEFORE UPDATE ON wallets_hold
    FOR EACH ROW EXECUTE FUNCTION wallets_hold_guard();

-- The fee for `amount` under the tariff of `kind` in force at `at`; NULL when no band covers it.
CREATE FUNCTION wallets_fee_for(p_kind text, p_currency text, p_amount bigint, p_at timestamptz)
RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT b.fee FROM wallets_tariffband b
     WHERE b.tariff_id = (SELECT t.id FROM wallets_tariff t
                           WHERE t.kind = p_kind AND t.currency = p_currency AND t.effective_from <= p_at
                           ORDER BY t.effective_from DESC LIMIT 1)
       AND p_amount BETWEEN b.min_amount AND b.max_amount
$$;

-- The limits in force for the customer owning `p_account` (no row: none configured).
CREATE FUNCTION wallets_limits_for(p_account bigint, p_at timestamptz)
RETURNS TABLE (status text, min_amount bigint, max_per_transaction bigint, max_daily bigint,
               max_monthly bigint, max_balance bigint, configured boolean)
LANGUAGE sql STABLE AS $$
    SELECT c.status::text, l.min_amount, l.max_per_transaction, l.max_daily, l.max_monthly,
           l.max_balance, l.id IS NOT NULL
      FROM wallets_account a
      JOIN wallets_customer c ON c.id = a.customer_id
      LEFT JOIN LATERAL (SELECT * FROM wallets_tierlimit t
                          WHERE t.tier = c.kyc_tier AND t.currency = a.currency AND t.effective_from <= p_at
                          ORDER BY t.effective_from DESC LIMIT 1) l ON true
     WHERE a.id = p_account
$$;

-- Canonical text of a transaction's legs, in posting order.
CREATE FUNCTION wallets_legs_text(p_debits bigint[], p_credits bigint[], p_amounts bigint[])
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(d || '>' || c || ':' || a, ',' ORDER BY n)
      FROM unnest(p_debits, p_credits, p_amounts) WITH ORDINALITY x(d, c, a, n)
$$;

-- A link of the hash chain: sha256 over the previous hash and the transaction's content.
CREATE FUNCTION wallets_digest(p_previous text, p_reference text, p_kind text, p_currency text,
                               p_key text, p_amount bigint, p_fee bigint, p_created_at timestamptz,
                               p_legs text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(sha256(convert_to(concat_ws('|', p_previous, p_reference, p_kind, p_currency, p_key,
        p_amount, p_fee, (extract(epoch FROM p_created_at) * 1000000)::bigint, p_legs), 'UTF8')), 'hex')
$$;

-- Called before refusing after a wait for a row lock: if a twin with the same idempotency key
-- committed meanwhile, the refusal is only the twin's own effect (it emptied the wallet, ended
-- the hold, reversed the original). The retry then returns the twin's transaction.
CREATE FUNCTION wallets_check_twin(p_key text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM wallets_transaction WHERE idempotency_key = p_key;
    IF FOUND THEN RAISE EXCEPTION 'idempotency_race'; END IF;
END $$;

CREATE FUNCTION wallets_post(
    p_kind text, p_key text, p_request_hash text, p_reference text, p_currency text,
    p_channel text, p_initiator text, p_metadata jsonb, p_amount bigint,
    p_debits bigint[], p_credits bigint[], p_amounts bigint[],
    p_fee_kind text, p_fee_payer bigint, p_fee_account bigint,
    p_limited_account bigint, p_receiver_limits boolean,
    p_hold_id bigint, p_reverses bigint, p_today date, p_month date)
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

REVERSE_SQL = r"""
DROP FUNCTION IF EXISTS wallets_post(text, text, text, text, text, text, text, jsonb, bigint, bigint[], bigint[], bigint[], text, bigint, bigint, bigint, boolean, bigint, bigint, date, date);
DROP FUNCTION IF EXISTS wallets_check_twin(text);
DROP FUNCTION IF EXISTS wallets_digest(text, text, text, text, text, bigint, bigint, timestamptz, text);
DROP FUNCTION IF EXISTS wallets_legs_text(bigint[], bigint[], bigint[]);
DROP FUNCTION IF EXISTS wallets_limits_for(bigint, timestamptz);
DROP FUNCTION IF EXISTS wallets_fee_for(text, text, bigint, timestamptz);
DROP TRIGGER IF EXISTS wallets_hold_guard ON wallets_hold;
DROP FUNCTION IF EXISTS wallets_hold_guard();
DROP TRIGGER IF EXISTS wallets_transaction_guard ON wallets_transaction;
DROP FUNCTION IF EXISTS wallets_transaction_guard();
DROP TRIGGER IF EXISTS wallets_hold_no_delete ON wallets_hold;
DROP TRIGGER IF EXISTS wallets_transaction_no_delete ON wallets_transaction;
DROP TRIGGER IF EXISTS wallets_posting_append_only ON wallets_posting;
DROP FUNCTION IF EXISTS wallets_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("wallets", "0001_initial")]

    operations = [migrations.RunSQL(SQL, REVERSE_SQL)]
