-- jobgate live SQL: the functions PostgresBilling calls (service role only on Supabase), on
-- the ledger of credits.sql. Each is one statement for the caller (one transaction), like
-- the lifecycle functions, and takes the user's advisory lock before it reads a balance.

-- charge → {"charged": bool, "entry": entry, "balance": balance}. Takes p_amount from the
-- buckets in the order of p_buckets (a JSON array of names). Idempotent by job: a second
-- call for the same job changes nothing and returns the first charge ("charged": false);
-- the same job id for another user is a CONFLICT, and so is a job with a refund on record
-- (its refund marker: see refund). INSUFFICIENT_CREDITS (DETAIL: jobId, needed, balance,
-- buckets) when the buckets do not cover it: nothing is written.
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
  -- A refund came first (the job ended while this charge was on its way, e.g. a slow
  -- database past the start window): the job is never charged.
  IF EXISTS (SELECT 1 FROM jobgate_credit_ledger WHERE job_id = p_job_id AND kind = 'refund') THEN
    PERFORM jobgate_raise('CONFLICT', 'the job was refunded before its charge arrived: it is not charged',
      jsonb_build_object('jobId', p_job_id));
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

-- refund → {"refunded": bool, "entry": entry, "balance": balance}. Puts back into each
-- bucket what the job's charge took from it. Idempotent by job: a refund already made changes
-- nothing ("refunded": false, "entry" the earlier refund). With no charge on record it writes
-- a marker (a refund entry of 0, amounts {}), so that a charge still on its way is refused:
-- the charge and the refund of one job then settle in either order.
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
    INSERT INTO jobgate_credit_ledger (user_id, job_id, kind, amounts, amount, note)
    VALUES (p_user_id, p_job_id, 'refund', '{}'::jsonb, 0,
            'refunded before any charge arrived: a later charge of this job is refused')
    ON CONFLICT (job_id, kind) WHERE kind IN ('charge', 'refund') DO NOTHING
    RETURNING * INTO v_entry;
    IF NOT FOUND THEN
      SELECT * INTO v_entry FROM jobgate_credit_ledger WHERE job_id = p_job_id AND kind = 'refund';
    END IF;
    RETURN jsonb_build_object('refunded', false, 'entry', jobgate_credits_entry_json(v_entry),
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
