-- jobgate 005: refuse to decide under a snapshot older than the lock. The slot and
-- per-user decisions count rows after taking an advisory lock; that is only right if the
-- count sees what committed before the lock was granted, i.e. under READ COMMITTED (a new
-- snapshot per statement). Under REPEATABLE READ or SERIALIZABLE the snapshot is taken
-- before the lock, so the functions raise INTERNAL instead of risking a wrong count.

CREATE OR REPLACE FUNCTION jobgate_require_read_committed() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    PERFORM jobgate_raise('INTERNAL',
      'jobgate functions need READ COMMITTED (the transaction is '
        || current_setting('transaction_isolation') || ')');
  END IF;
END;
$$;

CREATE OR REPLACE FUNCTION jobgate_lock_slots(p_pool text, p_limits jsonb) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_ns text := current_schema() || ':jobgate:';
BEGIN
  PERFORM jobgate_require_read_committed();
  IF p_pool IS NULL
     OR coalesce(p_limits -> 'toolCaps', '{}'::jsonb) <> '{}'::jsonb
     OR jsonb_typeof(p_limits -> 'maxRunningPerUser') = 'number' THEN
    PERFORM pg_advisory_xact_lock(hashtextextended(v_ns || 'slots', 0));
  ELSE
    PERFORM pg_advisory_xact_lock_shared(hashtextextended(v_ns || 'slots', 0));
    PERFORM pg_advisory_xact_lock(hashtextextended(v_ns || 'pool:' || p_pool, 0));
  END IF;
END;
$$;

CREATE OR REPLACE FUNCTION jobgate_check_new(
  p_id text, p_tool text, p_user_id text, p_pool text, p_input jsonb,
  p_user_credit_cost numeric, p_now bigint
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM jobgate_require_read_committed();
  IF p_id IS NULL OR length(p_id) NOT BETWEEN 1 AND 128 THEN
    PERFORM jobgate_raise('VALIDATION', 'p_id must be 1..128 characters');
  END IF;
  IF p_tool IS NULL OR length(p_tool) NOT BETWEEN 1 AND 64 THEN
    PERFORM jobgate_raise('VALIDATION', 'p_tool must be 1..64 characters', jsonb_build_object('jobId', p_id));
  END IF;
  IF p_user_id IS NULL OR length(p_user_id) NOT BETWEEN 1 AND 256 THEN
    PERFORM jobgate_raise('VALIDATION', 'p_user_id must be 1..256 characters', jsonb_build_object('jobId', p_id));
  END IF;
  IF p_pool IS NULL OR length(p_pool) NOT BETWEEN 1 AND 64 THEN
    PERFORM jobgate_raise('VALIDATION', 'p_pool must be 1..64 characters', jsonb_build_object('jobId', p_id));
  END IF;
  IF p_input IS NULL OR jsonb_typeof(p_input) <> 'object' THEN
    PERFORM jobgate_raise('VALIDATION', 'p_input must be a JSON object', jsonb_build_object('jobId', p_id));
  END IF;
  IF p_user_credit_cost IS NULL OR p_user_credit_cost < 0 THEN
    PERFORM jobgate_raise('VALIDATION', 'p_user_credit_cost must be >= 0', jsonb_build_object('jobId', p_id));
  END IF;
  PERFORM jobgate_require(p_now, 'p_now');
END;
$$;
