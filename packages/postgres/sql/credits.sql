-- jobgate live SQL: the credit ledger. A balance per user in named buckets (spent in an
-- order the caller gives, e.g. monthly credits first, then lifetime credits), an append-only
-- ledger of every movement, the provider's reported costs, and the helpers the functions of
-- billing.sql (what PostgresBilling calls) share. The `kept` credit state of a job (its
-- charge stands by the refund policy) is in helpers.sql, beside the other credit states.
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
-- The tables and their indexes are created by migration 009; this file holds the
-- functions, the append-only triggers and the margin view, which can be applied again.

CREATE OR REPLACE FUNCTION jobgate_credit_ledger_append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM jobgate_raise('FORBIDDEN', 'the credit ledger is append-only: add an adjust entry instead');
  RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER jobgate_credit_ledger_no_change
  BEFORE UPDATE OR DELETE ON jobgate_credit_ledger
  FOR EACH ROW EXECUTE FUNCTION jobgate_credit_ledger_append_only();
CREATE OR REPLACE TRIGGER jobgate_credit_ledger_no_truncate
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
