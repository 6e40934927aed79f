-- jobgate live SQL: helpers shared by every function (validation, errors, the clock, the row
-- as JSON with its position computed when read).
--
-- Time: lifecycle timestamps (created_at, queued_at, started_at, completed_at, updated_at)
-- come from the database clock, read under the lock of the change (clock_timestamp()), so
-- they show the real order across server instances. A caller that pins time (fake clocks in
-- tests) passes p_now (ms since the epoch); p_now NULL means the database clock.

-- The columns these functions read are created by the numbered migrations (001, 008, 009,
-- 011); this file holds only what can be applied again.

CREATE OR REPLACE FUNCTION jobgate_ts(p_ms bigint) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT '1970-01-01 00:00:00+00'::timestamptz + p_ms * interval '1 millisecond'
$$;

-- The instant of a change: the caller's pinned time, else the database clock now (not the
-- transaction start: the caller reads it after taking its lock).
CREATE OR REPLACE FUNCTION jobgate_clock(p_now bigint) RETURNS timestamptz
LANGUAGE sql VOLATILE AS $$
  SELECT CASE WHEN p_now IS NULL THEN clock_timestamp() ELSE jobgate_ts(p_now) END
$$;

CREATE OR REPLACE FUNCTION jobgate_ms(p_interval bigint) RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT p_interval * interval '1 millisecond'
$$;

CREATE OR REPLACE FUNCTION jobgate_raise(p_code text, p_message text, p_details jsonb DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING
    ERRCODE = 'P0001',
    MESSAGE = 'JOBGATE:' || p_code || ':' || p_message,
    DETAIL = coalesce(p_details, '{}'::jsonb)::text;
END;
$$;

CREATE OR REPLACE FUNCTION jobgate_require(p_value anyelement, p_name text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF p_value IS NULL THEN
    PERFORM jobgate_raise('VALIDATION', p_name || ' is required');
  END IF;
END;
$$;

-- The slot and per-user decisions count rows after taking an advisory lock; that is only
-- right if the count sees what committed before the lock was granted (READ COMMITTED).
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

-- A queued job's place (1 = next): the queued jobs of its pool at or before it in queue
-- order, counted through jobgate_jobs_queue_idx. Never stored, so a promotion writes one
-- row, not the whole queue. NULL unless the job really waits in the queue. (PL/pgSQL, not
-- SQL: its plan is cached per connection, where a SQL function is planned on every call.)
CREATE OR REPLACE FUNCTION jobgate_position(p_job jobgate_jobs) RETURNS integer
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
BEGIN
  IF p_job.status <> 'queued' OR NOT p_job.waited_in_queue OR p_job.queue_seq IS NULL THEN
    RETURN NULL;
  END IF;
  RETURN (SELECT count(*)::integer FROM jobgate_jobs q
           WHERE q.status = 'queued' AND q.pool = p_job.pool AND q.queue_seq <= p_job.queue_seq);
END;
$$;

-- A row as the API shows it: the table's columns without the internal queue_seq/row_seq,
-- with `position` computed now.
CREATE OR REPLACE FUNCTION jobgate_job_json(p_job jobgate_jobs) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
BEGIN
  RETURN (to_jsonb(p_job) - 'queue_seq' - 'row_seq' - 'lease_until')
         || jsonb_build_object('position', jobgate_position(p_job));
END;
$$;

CREATE OR REPLACE FUNCTION jobgate_jobs_json(p_ids text[]) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
BEGIN
  IF cardinality(p_ids) = 0 THEN
    RETURN '[]'::jsonb;
  END IF;
  RETURN (SELECT coalesce(jsonb_agg(jobgate_job_json(j) ORDER BY u.ord), '[]'::jsonb)
            FROM unnest(p_ids) WITH ORDINALITY AS u(id, ord)
            JOIN jobgate_jobs j ON j.id = u.id);
END;
$$;

CREATE OR REPLACE FUNCTION jobgate_get_json(p_id text) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
BEGIN
  RETURN (SELECT jobgate_job_json(j) FROM jobgate_jobs j WHERE j.id = p_id);
END;
$$;

-- Checks the SlotLimits JSON: {poolCaps, defaultPoolCap, toolCaps, maxRunningPerUser}.
CREATE OR REPLACE FUNCTION jobgate_check_credit_state(p_state text, p_name text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF p_state IS NULL OR p_state NOT IN ('none', 'charged', 'refunding', 'refunded', 'kept') THEN
    PERFORM jobgate_raise('VALIDATION', p_name || ' must be none, charged, refunding, refunded or kept');
  END IF;
END;
$$;

CREATE OR REPLACE FUNCTION jobgate_check_limits(p_limits jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_key text;
  v_value jsonb;
BEGIN
  IF p_limits IS NULL OR jsonb_typeof(p_limits) <> 'object' THEN
    PERFORM jobgate_raise('VALIDATION', 'p_limits must be a SlotLimits object');
  END IF;
  IF jsonb_typeof(p_limits -> 'defaultPoolCap') IS DISTINCT FROM 'number'
     OR (p_limits ->> 'defaultPoolCap') !~ '^[1-9][0-9]*$' THEN
    PERFORM jobgate_raise('VALIDATION', 'p_limits.defaultPoolCap must be a positive integer');
  END IF;
  FOREACH v_key IN ARRAY ARRAY['poolCaps', 'toolCaps'] LOOP
    IF p_limits ? v_key AND jsonb_typeof(p_limits -> v_key) <> 'object' THEN
      PERFORM jobgate_raise('VALIDATION', 'p_limits.' || v_key || ' must be an object');
    END IF;
    FOR v_value IN SELECT value FROM jsonb_each(coalesce(p_limits -> v_key, '{}'::jsonb)) LOOP
      IF jsonb_typeof(v_value) <> 'number' OR v_value::text !~ '^[0-9]+$' THEN
        PERFORM jobgate_raise('VALIDATION', 'p_limits.' || v_key || ' values must be integers');
      END IF;
    END LOOP;
  END LOOP;
  IF jsonb_typeof(p_limits -> 'maxRunningPerUser') = 'number'
     AND (p_limits ->> 'maxRunningPerUser') !~ '^[1-9][0-9]*$' THEN
    PERFORM jobgate_raise('VALIDATION', 'p_limits.maxRunningPerUser must be a positive integer or null');
  END IF;
END;
$$;

CREATE OR REPLACE FUNCTION jobgate_pool_cap(p_limits jsonb, p_pool text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce((p_limits -> 'poolCaps' ->> p_pool)::integer, (p_limits ->> 'defaultPoolCap')::integer)
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
END;
$$;

-- An existing row for an idempotent create: the same user and tool, or CONFLICT.
CREATE OR REPLACE FUNCTION jobgate_same(p_job jobgate_jobs, p_tool text, p_user_id text)
RETURNS jsonb LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF p_job.user_id <> p_user_id OR p_job.tool <> p_tool THEN
    PERFORM jobgate_raise('CONFLICT', 'this job id is already used by another job',
      jsonb_build_object('jobId', p_job.id));
  END IF;
  RETURN jsonb_build_object('job', jobgate_job_json(p_job), 'created', false);
END;
$$;

-- Reads the pool of a job (immutable) before taking the slot lock; NOT_FOUND if none.
CREATE OR REPLACE FUNCTION jobgate_pool_of(p_id text) RETURNS text
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_pool text;
BEGIN
  PERFORM jobgate_require(p_id, 'p_id');
  SELECT pool INTO v_pool FROM jobgate_jobs WHERE id = p_id;
  IF NOT FOUND THEN
    PERFORM jobgate_raise('NOT_FOUND', 'no job ' || p_id, jsonb_build_object('jobId', p_id));
  END IF;
  RETURN v_pool;
END;
$$;

CREATE OR REPLACE FUNCTION jobgate_lock_job(p_id text) RETURNS jobgate_jobs
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_job jobgate_jobs;
BEGIN
  PERFORM jobgate_require(p_id, 'p_id');
  SELECT * INTO v_job FROM jobgate_jobs WHERE id = p_id FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM jobgate_raise('NOT_FOUND', 'no job ' || p_id, jsonb_build_object('jobId', p_id));
  END IF;
  RETURN v_job;
END;
$$;
