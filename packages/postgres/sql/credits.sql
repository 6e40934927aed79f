-- jobgate live SQL: credits (PostgresBilling). A balance per user in named buckets (spent in
-- an order the caller gives, e.g. monthly credits first, then lifetime credits), an
-- append-only ledger of every movement, and the functions PostgresBilling calls. Each
-- function is one statement for the caller (one transaction), like the lifecycle functions.
-- The `kept` credit state of a job (its charge stands by the refund policy) is in
-- helpers.sql, beside the other credit states.
--
-- Guarantees held by the database itself, whoever calls:
-- - a job is charged at most once and refunded at most once: unique (job_id, kind) for
--   charge and refund entries;
-- - a refund puts back into each bucket exactly what the charge took from it;
-- - no balance goes negative (CHECK), and a charge that does not fit raises
--   INSUFFICIENT_CREDITS with the balance in DETAIL;
-- - ledger rows are never updated or deleted (a trigger refuses it);
-- - created_at comes from the database clock.
-- Errors: SQLSTATE P0001, MESSAGE 'JOBGATE:<CODE>:<text>', DETAIL a JSON object.
--
-- The tables are created IF NOT EXISTS, so this file can be applied again.

CREATE TABLE IF NOT EXISTS jobgate_credit_balances (
  user_id    text        NOT NULL CHECK (length(user_id) BETWEEN 1 AND 256),
  bucket     text        NOT NULL CHECK (bucket ~ '^[a-z][a-z0-9_]{0,31}$'),
  amount     numeric     NOT NULL DEFAULT 0 CHECK (amount >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, bucket)
);

CREATE TABLE IF NOT EXISTS jobgate_credit_ledger (
  id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    text        NOT NULL CHECK (length(user_id) BETWEEN 1 AND 256),
  job_id     text        CHECK (length(job_id) BETWEEN 1 AND 128),
  kind       text        NOT NULL CHECK (kind IN ('charge', 'refund', 'grant', 'adjust')),
  -- What moved in each bucket, signed ({"monthly": -3, "lifetime": -2} for a charge of 5).
  amounts    jsonb       NOT NULL CHECK (jsonb_typeof(amounts) = 'object'),
  -- The sum of amounts (negative for a charge).
  amount     numeric     NOT NULL,
  tool       text,
  note       text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (kind NOT IN ('charge', 'refund') OR job_id IS NOT NULL)
);

-- The database-level "charged once, refunded once".
CREATE UNIQUE INDEX IF NOT EXISTS jobgate_credit_ledger_job_kind_key
  ON jobgate_credit_ledger (job_id, kind) WHERE kind IN ('charge', 'refund');
CREATE INDEX IF NOT EXISTS jobgate_credit_ledger_user_idx
  ON jobgate_credit_ledger (user_id, id DESC);

-- What the provider reported a job cost (RunningHub: coins or seconds), beside the credits.
CREATE TABLE IF NOT EXISTS jobgate_provider_costs (
  job_id      text        PRIMARY KEY CHECK (length(job_id) BETWEEN 1 AND 128),
  user_id     text        NOT NULL,
  tool        text        NOT NULL,
  cost        numeric     NOT NULL CHECK (cost >= 0),
  unit        text        NOT NULL CHECK (length(unit) BETWEEN 1 AND 32),
  reported_at timestamptz NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION jobgate_credit_ledger_append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM jobgate_raise('FORBIDDEN', 'the credit ledger is append-only: add an adjust entry instead');
  RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS jobgate_credit_ledger_no_change ON jobgate_credit_ledger;
CREATE TRIGGER jobgate_credit_ledger_no_change
  BEFORE UPDATE OR DELETE ON jobgate_credit_ledger
  FOR EACH ROW EXECUTE FUNCTION jobgate_credit_ledger_append_only();
DROP TRIGGER IF EXISTS jobgate_credit_ledger_no_truncate ON jobgate_credit_ledger;
CREATE TRIGGER jobgate_credit_ledger_no_truncate
  BEFORE TRUNCATE ON jobgate_credit_ledger
  FOR EACH STATEMENT EXECUTE FUNCTION jobgate_credit_ledger_append_only();

-- ---------------------------------------------------------------------------------------
-- Internal helpers
-- ---------------------------------------------------------------------------------------

-- Every change of a user's credits runs under this lock, so a charge reads balances that
-- no one else is spending at the same time.
CREATE OR REPLACE FUNCTION jobgate_credits_lock(p_user_id text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF p_user_id IS NULL OR length(p_user_id) NOT BETWEEN 1 AND 256 THEN
    PERFORM jobgate_raise('VALIDATION', 'p_user_id must be 1..256 characters');
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended(current_schema() || ':jobgate:credits:' || p_user_id, 0));
END;
$$;

CREATE OR REPLACE FUNCTION jobgate_credits_check_bucket(p_bucket text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF p_bucket IS NULL OR p_bucket !~ '^[a-z][a-z0-9_]{0,31}$' THEN
    PERFORM jobgate_raise('VALIDATION', 'a bucket name is 1..32 characters: a-z, 0-9 and _, starting with a letter',
      jsonb_build_object('bucket', p_bucket));
  END IF;
END;
$$;

-- {"userId", "total", "buckets": {name: amount}} (all the user's buckets; none = 0).
CREATE OR REPLACE FUNCTION jobgate_credits_balance_json(p_user_id text) RETURNS jsonb
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
  SELECT jsonb_build_object(
    'userId', p_user_id,
    'total', coalesce(sum(b.amount), 0),
    'buckets', coalesce(jsonb_object_agg(b.bucket, b.amount ORDER BY b.bucket), '{}'::jsonb))
  FROM jobgate_credit_balances b WHERE b.user_id = p_user_id
$$;

CREATE OR REPLACE FUNCTION jobgate_credits_entry_json(p_entry jobgate_credit_ledger) RETURNS jsonb
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
  SELECT CASE WHEN p_entry.id IS NULL THEN NULL ELSE jsonb_build_object(
    'id', p_entry.id, 'userId', p_entry.user_id, 'jobId', p_entry.job_id, 'kind', p_entry.kind,
    'amounts', p_entry.amounts, 'amount', p_entry.amount, 'tool', p_entry.tool,
    'note', p_entry.note, 'createdAt', p_entry.created_at) END
$$;

-- Adds signed per-bucket amounts to a user's balances (creating missing buckets). An
-- update, not an upsert: the CHECK would see a negative amount in the insert attempt.
CREATE OR REPLACE FUNCTION jobgate_credits_apply(p_user_id text, p_amounts jsonb) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  UPDATE jobgate_credit_balances b
     SET amount = b.amount + a.value::numeric, updated_at = now()
    FROM jsonb_each_text(p_amounts) a
   WHERE b.user_id = p_user_id AND b.bucket = a.key;
  INSERT INTO jobgate_credit_balances (user_id, bucket, amount)
  SELECT p_user_id, a.key, a.value::numeric FROM jsonb_each_text(p_amounts) a
   WHERE NOT EXISTS (SELECT 1 FROM jobgate_credit_balances b
                      WHERE b.user_id = p_user_id AND b.bucket = a.key);
END;
$$;

-- ---------------------------------------------------------------------------------------
-- The functions PostgresBilling calls (service role only on Supabase)
-- ---------------------------------------------------------------------------------------

-- charge → {"charged": bool, "entry": entry, "balance": balance}. Takes p_amount from the
-- buckets in the order of p_buckets (a JSON array of names). Idempotent by job: a second
-- call for the same job changes nothing and returns the first charge ("charged": false);
-- the same job id for another user is a CONFLICT. INSUFFICIENT_CREDITS (DETAIL: jobId,
-- needed, balance, buckets) when the buckets do not cover it: nothing is written.
CREATE OR REPLACE FUNCTION jobgate_credits_charge(
  p_job_id text, p_user_id text, p_amount numeric, p_buckets jsonb, p_tool text DEFAULT NULL
) RETURNS jsonb LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_entry jobgate_credit_ledger;
  v_left numeric := p_amount;
  v_have numeric;
  v_take numeric;
  v_amounts jsonb := '{}'::jsonb;
  v_bucket text;
  v_spendable numeric := 0;
BEGIN
  IF p_job_id IS NULL OR length(p_job_id) NOT BETWEEN 1 AND 128 THEN
    PERFORM jobgate_raise('VALIDATION', 'p_job_id must be 1..128 characters');
  END IF;
  IF p_amount IS NULL OR p_amount < 0 THEN
    PERFORM jobgate_raise('VALIDATION', 'p_amount must be >= 0', jsonb_build_object('jobId', p_job_id));
  END IF;
  IF p_buckets IS NULL OR jsonb_typeof(p_buckets) <> 'array' OR jsonb_array_length(p_buckets) = 0 THEN
    PERFORM jobgate_raise('VALIDATION', 'p_buckets must be a non-empty JSON array of bucket names',
      jsonb_build_object('jobId', p_job_id));
  END IF;
  PERFORM jobgate_credits_lock(p_user_id);

  SELECT * INTO v_entry FROM jobgate_credit_ledger WHERE job_id = p_job_id AND kind = 'charge';
  IF FOUND THEN
    IF v_entry.user_id <> p_user_id THEN
      PERFORM jobgate_raise('CONFLICT', 'the job was charged to another user', jsonb_build_object('jobId', p_job_id));
    END IF;
    RETURN jsonb_build_object('charged', false, 'entry', jobgate_credits_entry_json(v_entry),
      'balance', jobgate_credits_balance_json(p_user_id));
  END IF;

  FOR v_bucket IN SELECT b.value FROM jsonb_array_elements_text(p_buckets) WITH ORDINALITY AS b(value, ord) ORDER BY b.ord LOOP
    PERFORM jobgate_credits_check_bucket(v_bucket);
    SELECT amount INTO v_have FROM jobgate_credit_balances WHERE user_id = p_user_id AND bucket = v_bucket;
    v_have := coalesce(v_have, 0);
    v_spendable := v_spendable + v_have;
    v_take := least(v_have, v_left);
    IF v_take > 0 THEN
      v_amounts := v_amounts || jsonb_build_object(v_bucket, -v_take);
      v_left := v_left - v_take;
    END IF;
  END LOOP;
  IF v_left > 0 THEN
    PERFORM jobgate_raise('INSUFFICIENT_CREDITS',
      p_amount || ' credits needed, ' || v_spendable || ' available',
      jsonb_build_object('jobId', p_job_id, 'needed', p_amount, 'balance', v_spendable,
        'buckets', jobgate_credits_balance_json(p_user_id) -> 'buckets'));
  END IF;

  INSERT INTO jobgate_credit_ledger (user_id, job_id, kind, amounts, amount, tool)
  VALUES (p_user_id, p_job_id, 'charge', v_amounts, -p_amount, p_tool)
  ON CONFLICT (job_id, kind) WHERE kind IN ('charge', 'refund') DO NOTHING
  RETURNING * INTO v_entry;
  IF NOT FOUND THEN
    -- Only a charge of the same job for another user can get here (same user: the lock).
    PERFORM jobgate_raise('CONFLICT', 'the job was charged to another user', jsonb_build_object('jobId', p_job_id));
  END IF;
  PERFORM jobgate_credits_apply(p_user_id, v_amounts);
  RETURN jsonb_build_object('charged', true, 'entry', jobgate_credits_entry_json(v_entry),
    'balance', jobgate_credits_balance_json(p_user_id));
END;
$$;

-- refund → {"refunded": bool, "entry": entry|null, "balance": balance}. Puts back into each
-- bucket what the job's charge took from it. Idempotent by job: no charge, or a refund
-- already made, changes nothing ("refunded": false, "entry" the earlier refund or null).
CREATE OR REPLACE FUNCTION jobgate_credits_refund(p_job_id text, p_user_id text)
RETURNS jsonb LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_charge jobgate_credit_ledger;
  v_entry jobgate_credit_ledger;
  v_amounts jsonb;
BEGIN
  IF p_job_id IS NULL OR length(p_job_id) NOT BETWEEN 1 AND 128 THEN
    PERFORM jobgate_raise('VALIDATION', 'p_job_id must be 1..128 characters');
  END IF;
  PERFORM jobgate_credits_lock(p_user_id);
  SELECT * INTO v_charge FROM jobgate_credit_ledger WHERE job_id = p_job_id AND kind = 'charge';
  IF NOT FOUND THEN
    RETURN jsonb_build_object('refunded', false, 'entry', NULL,
      'balance', jobgate_credits_balance_json(p_user_id));
  END IF;
  IF v_charge.user_id <> p_user_id THEN
    PERFORM jobgate_raise('CONFLICT', 'the job was charged to another user', jsonb_build_object('jobId', p_job_id));
  END IF;
  SELECT * INTO v_entry FROM jobgate_credit_ledger WHERE job_id = p_job_id AND kind = 'refund';
  IF FOUND THEN
    RETURN jsonb_build_object('refunded', false, 'entry', jobgate_credits_entry_json(v_entry),
      'balance', jobgate_credits_balance_json(p_user_id));
  END IF;
  SELECT coalesce(jsonb_object_agg(a.key, -(a.value::numeric)), '{}'::jsonb) INTO v_amounts
    FROM jsonb_each_text(v_charge.amounts) a;
  INSERT INTO jobgate_credit_ledger (user_id, job_id, kind, amounts, amount, tool)
  VALUES (p_user_id, p_job_id, 'refund', v_amounts, -v_charge.amount, v_charge.tool)
  ON CONFLICT (job_id, kind) WHERE kind IN ('charge', 'refund') DO NOTHING
  RETURNING * INTO v_entry;
  IF NOT FOUND THEN
    PERFORM jobgate_raise('CONFLICT', 'the job was refunded concurrently', jsonb_build_object('jobId', p_job_id));
  END IF;
  PERFORM jobgate_credits_apply(p_user_id, v_amounts);
  RETURN jsonb_build_object('refunded', true, 'entry', jobgate_credits_entry_json(v_entry),
    'balance', jobgate_credits_balance_json(p_user_id));
END;
$$;

-- grant → {"entry", "balance"}: adds p_amount (> 0) to a bucket (a purchase, a monthly top-up).
CREATE OR REPLACE FUNCTION jobgate_credits_grant(
  p_user_id text, p_bucket text, p_amount numeric, p_note text DEFAULT NULL
) RETURNS jsonb LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_entry jobgate_credit_ledger;
  v_amounts jsonb;
BEGIN
  PERFORM jobgate_credits_check_bucket(p_bucket);
  IF p_amount IS NULL OR p_amount <= 0 THEN
    PERFORM jobgate_raise('VALIDATION', 'p_amount must be > 0');
  END IF;
  PERFORM jobgate_credits_lock(p_user_id);
  v_amounts := jsonb_build_object(p_bucket, p_amount);
  INSERT INTO jobgate_credit_ledger (user_id, kind, amounts, amount, note)
  VALUES (p_user_id, 'grant', v_amounts, p_amount, p_note)
  RETURNING * INTO v_entry;
  PERFORM jobgate_credits_apply(p_user_id, v_amounts);
  RETURN jsonb_build_object('entry', jobgate_credits_entry_json(v_entry),
    'balance', jobgate_credits_balance_json(p_user_id));
END;
$$;

-- adjust → {"entry", "balance"}: a signed correction of one bucket (p_delta ≠ 0). A bucket
-- never goes below zero: INSUFFICIENT_CREDITS (DETAIL: needed, balance, bucket) instead.
-- With p_set true, p_delta is the bucket's new amount (a monthly reset) and the entry
-- records the difference.
CREATE OR REPLACE FUNCTION jobgate_credits_adjust(
  p_user_id text, p_bucket text, p_delta numeric, p_note text DEFAULT NULL, p_set boolean DEFAULT false
) RETURNS jsonb LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_entry jobgate_credit_ledger;
  v_have numeric;
  v_delta numeric;
BEGIN
  PERFORM jobgate_credits_check_bucket(p_bucket);
  IF p_delta IS NULL OR (coalesce(p_set, false) AND p_delta < 0) THEN
    PERFORM jobgate_raise('VALIDATION', 'p_delta must be a number (>= 0 with p_set)');
  END IF;
  PERFORM jobgate_credits_lock(p_user_id);
  SELECT amount INTO v_have FROM jobgate_credit_balances WHERE user_id = p_user_id AND bucket = p_bucket;
  v_have := coalesce(v_have, 0);
  v_delta := CASE WHEN coalesce(p_set, false) THEN p_delta - v_have ELSE p_delta END;
  IF v_have + v_delta < 0 THEN
    PERFORM jobgate_raise('INSUFFICIENT_CREDITS',
      'bucket ' || p_bucket || ' holds ' || v_have || ', cannot take ' || -v_delta,
      jsonb_build_object('needed', -v_delta, 'balance', v_have, 'bucket', p_bucket));
  END IF;
  INSERT INTO jobgate_credit_ledger (user_id, kind, amounts, amount, note)
  VALUES (p_user_id, 'adjust', jsonb_build_object(p_bucket, v_delta), v_delta, p_note)
  RETURNING * INTO v_entry;
  PERFORM jobgate_credits_apply(p_user_id, jsonb_build_object(p_bucket, v_delta));
  RETURN jsonb_build_object('entry', jobgate_credits_entry_json(v_entry),
    'balance', jobgate_credits_balance_json(p_user_id));
END;
$$;

-- balance → {"userId", "total", "buckets"}.
CREATE OR REPLACE FUNCTION jobgate_credits_balance(p_user_id text) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM jobgate_require(p_user_id, 'p_user_id');
  RETURN jobgate_credits_balance_json(p_user_id);
END;
$$;

-- ledger → [entry]: newest first, of a user or of a job (at least one of them).
CREATE OR REPLACE FUNCTION jobgate_credits_ledger(
  p_user_id text DEFAULT NULL, p_job_id text DEFAULT NULL, p_limit integer DEFAULT 100
) RETURNS jsonb LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
BEGIN
  IF p_user_id IS NULL AND p_job_id IS NULL THEN
    PERFORM jobgate_raise('VALIDATION', 'p_user_id or p_job_id is required');
  END IF;
  IF p_limit IS NULL OR p_limit < 0 THEN
    PERFORM jobgate_raise('VALIDATION', 'p_limit must be >= 0');
  END IF;
  RETURN (
    SELECT coalesce(jsonb_agg(jobgate_credits_entry_json(l) ORDER BY l.id DESC), '[]'::jsonb)
      FROM (SELECT * FROM jobgate_credit_ledger
             WHERE (p_user_id IS NULL OR user_id = p_user_id)
               AND (p_job_id IS NULL OR job_id = p_job_id)
             ORDER BY id DESC LIMIT p_limit) l);
END;
$$;

-- record_cost → bool: the provider's reported cost of a job (first report wins; a later
-- report of the same job changes nothing and returns false).
CREATE OR REPLACE FUNCTION jobgate_credits_record_cost(
  p_job_id text, p_user_id text, p_tool text, p_cost numeric, p_unit text
) RETURNS boolean LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF p_job_id IS NULL OR length(p_job_id) NOT BETWEEN 1 AND 128 THEN
    PERFORM jobgate_raise('VALIDATION', 'p_job_id must be 1..128 characters');
  END IF;
  PERFORM jobgate_require(p_user_id, 'p_user_id');
  PERFORM jobgate_require(p_tool, 'p_tool');
  IF p_cost IS NULL OR p_cost < 0 THEN
    PERFORM jobgate_raise('VALIDATION', 'p_cost must be >= 0', jsonb_build_object('jobId', p_job_id));
  END IF;
  IF p_unit IS NULL OR length(p_unit) NOT BETWEEN 1 AND 32 THEN
    PERFORM jobgate_raise('VALIDATION', 'p_unit must be 1..32 characters', jsonb_build_object('jobId', p_job_id));
  END IF;
  INSERT INTO jobgate_provider_costs (job_id, user_id, tool, cost, unit)
  VALUES (p_job_id, p_user_id, p_tool, p_cost, p_unit)
  ON CONFLICT (job_id) DO NOTHING;
  RETURN FOUND;
END;
$$;

-- Margin per tool: credits kept (charges minus refunds) beside what the provider reported.
CREATE OR REPLACE VIEW jobgate_credit_margin WITH (security_invoker = true) AS
  WITH per_job AS (
    SELECT job_id, min(user_id) AS user_id, min(tool) AS tool, -sum(amount) AS credits
      FROM jobgate_credit_ledger
     WHERE kind IN ('charge', 'refund')
     GROUP BY job_id)
  SELECT coalesce(j.tool, c.tool) AS tool,
         count(*) AS jobs,
         coalesce(sum(j.credits), 0) AS credits,
         sum(c.cost) AS provider_cost,
         min(c.unit) AS unit
    FROM per_job j
    FULL JOIN jobgate_provider_costs c ON c.job_id = j.job_id
   GROUP BY coalesce(j.tool, c.tool);
