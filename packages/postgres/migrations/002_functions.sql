-- jobgate 002: the lifecycle as SQL functions.
--
-- Every public function is one statement for the caller, so one transaction: it works
-- through Supabase's transaction pooler (no session state, no prepared statements) and
-- through PostgREST `.rpc(...)` with the named parameters below. Rows come back as jsonb
-- (the column names of the table, without the internal queue_seq/row_seq).
--
-- Time: the caller passes `p_now` (ms since the epoch), and every time rule uses it, never
-- now(), so fake clocks work. Errors: SQLSTATE P0001 with MESSAGE 'JOBGATE:<CODE>:<text>'
-- and DETAIL a JSON object (e.g. {"jobId": …, "activeJobId": …}).
--
-- The slot decision takes pg_advisory_xact_lock on the pool (shared lock on the schema's
-- slot key + exclusive lock on the pool key; the exclusive slot key when tool or per-user
-- caps span pools, and for promote/heal), then COUNTS running jobs inside the lock.

-- ---------------------------------------------------------------------------------------
-- Internal helpers
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION jobgate_ts(p_ms bigint) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT '1970-01-01 00:00:00+00'::timestamptz + p_ms * interval '1 millisecond'
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

CREATE OR REPLACE FUNCTION jobgate_job_json(p_job jobgate_jobs) RETURNS jsonb
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
  SELECT to_jsonb(p_job) - 'queue_seq' - 'row_seq'
$$;

CREATE OR REPLACE FUNCTION jobgate_jobs_json(p_ids text[]) RETURNS jsonb
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
  SELECT coalesce(jsonb_agg(jobgate_job_json(j) ORDER BY u.ord), '[]'::jsonb)
  FROM unnest(p_ids) WITH ORDINALITY AS u(id, ord)
  JOIN jobgate_jobs j ON j.id = u.id
$$;

CREATE OR REPLACE FUNCTION jobgate_get_json(p_id text) RETURNS jsonb
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
  SELECT jobgate_job_json(j) FROM jobgate_jobs j WHERE j.id = p_id
$$;

-- Checks the SlotLimits JSON: {poolCaps, defaultPoolCap, toolCaps, maxRunningPerUser}.
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

-- The slot lock of the transaction. p_pool NULL = every pool (promote, heal).
CREATE OR REPLACE FUNCTION jobgate_lock_slots(p_pool text, p_limits jsonb) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_ns text := current_schema() || ':jobgate:';
BEGIN
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

-- Positions of a pool's queue: exactly 1..n in queue order.
CREATE OR REPLACE FUNCTION jobgate_renumber(p_pool text, p_ts timestamptz) RETURNS void
LANGUAGE sql SET search_path FROM CURRENT AS $$
  UPDATE jobgate_jobs j
     SET position = q.rn, updated_at = p_ts
    FROM (
      SELECT id, (row_number() OVER (ORDER BY queue_seq))::integer AS rn
        FROM jobgate_jobs
       WHERE status = 'queued' AND pool = p_pool AND queue_seq IS NOT NULL
    ) q
   WHERE j.id = q.id AND j.position IS DISTINCT FROM q.rn
$$;

-- True if a job of (pool, tool, user) may take a slot next to the running jobs.
CREATE OR REPLACE FUNCTION jobgate_fits(p_pool text, p_tool text, p_user_id text, p_limits jsonb)
RETURNS boolean LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_n integer;
BEGIN
  SELECT count(*) INTO v_n FROM jobgate_jobs WHERE status = 'running' AND pool = p_pool;
  IF v_n >= jobgate_pool_cap(p_limits, p_pool) THEN
    RETURN false;
  END IF;
  IF coalesce(p_limits -> 'toolCaps', '{}'::jsonb) ? p_tool THEN
    SELECT count(*) INTO v_n FROM jobgate_jobs WHERE status = 'running' AND tool = p_tool;
    IF v_n >= (p_limits -> 'toolCaps' ->> p_tool)::integer THEN
      RETURN false;
    END IF;
  END IF;
  IF jsonb_typeof(p_limits -> 'maxRunningPerUser') = 'number' THEN
    SELECT count(*) INTO v_n FROM jobgate_jobs WHERE status = 'running' AND user_id = p_user_id;
    IF v_n >= (p_limits ->> 'maxRunningPerUser')::integer THEN
      RETURN false;
    END IF;
  END IF;
  RETURN true;
END;
$$;

-- The promotion walk of core selectPromotions, on one pool, under the slot lock: FIFO;
-- stop at a job in provider backoff; skip a job held only by its tool or user cap; stop
-- when the pool is full. Returns the promoted ids in order.
CREATE OR REPLACE FUNCTION jobgate_promote_pool(p_pool text, p_limits jsonb, p_ts timestamptz)
RETURNS text[] LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_cap integer := jobgate_pool_cap(p_limits, p_pool);
  v_in_pool integer;
  v_ids text[] := '{}';
  r record;
BEGIN
  SELECT count(*) INTO v_in_pool FROM jobgate_jobs WHERE status = 'running' AND pool = p_pool;
  IF v_in_pool >= v_cap THEN
    RETURN v_ids;
  END IF;
  FOR r IN
    SELECT id, tool, user_id, retry_at FROM jobgate_jobs
     WHERE status = 'queued' AND pool = p_pool AND queue_seq IS NOT NULL
     ORDER BY queue_seq
  LOOP
    EXIT WHEN r.retry_at IS NOT NULL AND r.retry_at > p_ts;
    IF jobgate_fits(p_pool, r.tool, r.user_id, p_limits) THEN
      UPDATE jobgate_jobs
         SET status = 'running', started_at = p_ts, updated_at = p_ts, position = NULL,
             progress = NULL, retry_at = NULL, queue_seq = NULL
       WHERE id = r.id AND status = 'queued';
      v_in_pool := v_in_pool + 1;
      v_ids := v_ids || r.id;
    END IF;
    EXIT WHEN v_in_pool >= v_cap;
  END LOOP;
  IF cardinality(v_ids) > 0 THEN
    PERFORM jobgate_renumber(p_pool, p_ts);
  END IF;
  RETURN v_ids;
END;
$$;

-- Promotes in every pool with a queue (pools in the order their first queued job arrived).
CREATE OR REPLACE FUNCTION jobgate_promote_all(p_limits jsonb, p_ts timestamptz) RETURNS text[]
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_ids text[] := '{}';
  v_pool text;
BEGIN
  FOR v_pool IN
    SELECT pool FROM jobgate_jobs WHERE status = 'queued' GROUP BY pool ORDER BY min(row_seq)
  LOOP
    v_ids := v_ids || jobgate_promote_pool(v_pool, p_limits, p_ts);
  END LOOP;
  RETURN v_ids;
END;
$$;

CREATE OR REPLACE FUNCTION jobgate_check_new(
  p_id text, p_tool text, p_user_id text, p_pool text, p_input jsonb,
  p_user_credit_cost numeric, p_now bigint
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
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

-- ---------------------------------------------------------------------------------------
-- Public functions (the JobStore methods). All return jsonb.
-- ---------------------------------------------------------------------------------------

-- create → {"job": row, "created": bool}
CREATE OR REPLACE FUNCTION jobgate_create(
  p_id text, p_tool text, p_user_id text, p_pool text, p_input jsonb,
  p_user_credit_cost numeric, p_max_active integer, p_now bigint
) RETURNS jsonb LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_job jobgate_jobs;
  v_active jobgate_jobs;
  v_count integer;
  v_ts timestamptz;
BEGIN
  PERFORM jobgate_check_new(p_id, p_tool, p_user_id, p_pool, p_input, p_user_credit_cost, p_now);
  IF p_max_active IS NULL OR p_max_active < 1 THEN
    PERFORM jobgate_raise('VALIDATION', 'p_max_active must be a positive integer', jsonb_build_object('jobId', p_id));
  END IF;
  v_ts := jobgate_ts(p_now);
  SELECT * INTO v_job FROM jobgate_jobs WHERE id = p_id;
  IF FOUND THEN
    RETURN jobgate_same(v_job, p_tool, p_user_id);
  END IF;
  -- The per-user decision: one transaction per user at a time, so two clicks with
  -- different ids cannot both pass.
  PERFORM pg_advisory_xact_lock(hashtextextended(current_schema() || ':jobgate:user:' || p_user_id, 0));
  SELECT * INTO v_job FROM jobgate_jobs WHERE id = p_id;
  IF FOUND THEN
    RETURN jobgate_same(v_job, p_tool, p_user_id);
  END IF;
  SELECT count(*) INTO v_count FROM jobgate_jobs
   WHERE user_id = p_user_id AND status IN ('starting', 'queued', 'running');
  IF v_count >= p_max_active THEN
    SELECT * INTO v_active FROM jobgate_jobs
     WHERE user_id = p_user_id AND status IN ('starting', 'queued', 'running')
     ORDER BY created_at, row_seq LIMIT 1;
    PERFORM jobgate_raise('ACTIVE_JOB_EXISTS', 'you already have an active job',
      jsonb_build_object('jobId', v_active.id, 'activeJobId', v_active.id, 'activeStatus', v_active.status));
  END IF;
  INSERT INTO jobgate_jobs (id, tool, user_id, pool, status, input, user_credit_cost, created_at, updated_at)
  VALUES (p_id, p_tool, p_user_id, p_pool, 'starting', p_input, p_user_credit_cost, v_ts, v_ts)
  ON CONFLICT (id) DO NOTHING
  RETURNING * INTO v_job;
  IF NOT FOUND THEN
    SELECT * INTO v_job FROM jobgate_jobs WHERE id = p_id;
    RETURN jobgate_same(v_job, p_tool, p_user_id);
  END IF;
  RETURN jsonb_build_object('job', jobgate_job_json(v_job), 'created', true);
END;
$$;

-- create_failed → {"job": row, "created": bool}: a job terminal from birth.
CREATE OR REPLACE FUNCTION jobgate_create_failed(
  p_id text, p_tool text, p_user_id text, p_pool text, p_input jsonb,
  p_user_credit_cost numeric, p_error_code text, p_error_message text, p_now bigint
) RETURNS jsonb LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_job jobgate_jobs;
  v_ts timestamptz;
BEGIN
  PERFORM jobgate_check_new(p_id, p_tool, p_user_id, p_pool, p_input, p_user_credit_cost, p_now);
  PERFORM jobgate_require(p_error_code, 'p_error_code');
  PERFORM jobgate_require(p_error_message, 'p_error_message');
  v_ts := jobgate_ts(p_now);
  INSERT INTO jobgate_jobs (id, tool, user_id, pool, status, input, user_credit_cost,
                            error_code, error_message, created_at, completed_at, updated_at)
  VALUES (p_id, p_tool, p_user_id, p_pool, 'failed', p_input, p_user_credit_cost,
          p_error_code, p_error_message, v_ts, v_ts, v_ts)
  ON CONFLICT (id) DO NOTHING
  RETURNING * INTO v_job;
  IF NOT FOUND THEN
    SELECT * INTO v_job FROM jobgate_jobs WHERE id = p_id;
    RETURN jobgate_same(v_job, p_tool, p_user_id);
  END IF;
  RETURN jsonb_build_object('job', jobgate_job_json(v_job), 'created', true);
END;
$$;

-- get → row or null
CREATE OR REPLACE FUNCTION jobgate_get(p_id text) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM jobgate_require(p_id, 'p_id');
  RETURN jobgate_get_json(p_id);
END;
$$;

-- start → {"job": row, "promoted": [row]}: promote first, then run or queue at the tail.
CREATE OR REPLACE FUNCTION jobgate_start(p_id text, p_limits jsonb, p_now bigint) RETURNS jsonb
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_job jobgate_jobs;
  v_pool text;
  v_ts timestamptz;
  v_promoted text[];
BEGIN
  PERFORM jobgate_require(p_id, 'p_id');
  PERFORM jobgate_check_limits(p_limits);
  PERFORM jobgate_require(p_now, 'p_now');
  v_ts := jobgate_ts(p_now);
  v_pool := jobgate_pool_of(p_id);
  PERFORM jobgate_lock_slots(v_pool, p_limits);
  v_job := jobgate_lock_job(p_id);
  IF v_job.status IN ('running', 'completed', 'failed', 'cancelled') THEN
    PERFORM jobgate_raise('INVALID_TRANSITION', 'a ' || v_job.status || ' job cannot become running',
      jsonb_build_object('jobId', p_id));
  ELSIF v_job.status <> 'starting' THEN
    PERFORM jobgate_raise('INVALID_TRANSITION',
      'only a starting job can be started (it is ' || v_job.status || ')', jsonb_build_object('jobId', p_id));
  END IF;
  v_promoted := jobgate_promote_pool(v_pool, p_limits, v_ts);
  IF NOT EXISTS (
       SELECT 1 FROM jobgate_jobs
        WHERE status = 'queued' AND pool = v_pool AND queue_seq IS NOT NULL AND retry_at > v_ts)
     AND jobgate_fits(v_pool, v_job.tool, v_job.user_id, p_limits) THEN
    UPDATE jobgate_jobs
       SET status = 'running', started_at = v_ts, updated_at = v_ts, position = NULL,
           progress = NULL, queue_seq = NULL
     WHERE id = p_id;
  ELSE
    UPDATE jobgate_jobs
       SET status = 'queued', waited_in_queue = true, queued_at = coalesce(queued_at, v_ts),
           updated_at = v_ts, queue_seq = nextval('jobgate_queue_seq')
     WHERE id = p_id;
    PERFORM jobgate_renumber(v_pool, v_ts);
  END IF;
  RETURN jsonb_build_object('job', jobgate_get_json(p_id), 'promoted', jobgate_jobs_json(v_promoted));
END;
$$;

-- attach_task → row: records the provider's task id on a running job.
CREATE OR REPLACE FUNCTION jobgate_attach_task(p_id text, p_task_id text, p_now bigint) RETURNS jsonb
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_job jobgate_jobs;
BEGIN
  PERFORM jobgate_require(p_id, 'p_id');
  PERFORM jobgate_require(p_task_id, 'p_task_id');
  PERFORM jobgate_require(p_now, 'p_now');
  v_job := jobgate_lock_job(p_id);
  IF v_job.status <> 'running' THEN
    PERFORM jobgate_raise('INVALID_TRANSITION',
      'a task can only be attached to a running job (it is ' || v_job.status || ')', jsonb_build_object('jobId', p_id));
  END IF;
  IF v_job.task_id IS NOT NULL AND v_job.task_id <> p_task_id THEN
    PERFORM jobgate_raise('CONFLICT', 'job already has task ' || v_job.task_id, jsonb_build_object('jobId', p_id));
  END IF;
  UPDATE jobgate_jobs SET task_id = p_task_id, updated_at = jobgate_ts(p_now)
   WHERE id = p_id RETURNING * INTO v_job;
  RETURN jobgate_job_json(v_job);
END;
$$;

-- progress → row: provider progress (0..1) on a running job.
CREATE OR REPLACE FUNCTION jobgate_progress(p_id text, p_progress double precision, p_now bigint)
RETURNS jsonb LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_job jobgate_jobs;
BEGIN
  PERFORM jobgate_require(p_id, 'p_id');
  PERFORM jobgate_require(p_now, 'p_now');
  v_job := jobgate_lock_job(p_id);
  IF v_job.status <> 'running' THEN
    PERFORM jobgate_raise('INVALID_TRANSITION',
      'progress only applies to a running job (it is ' || v_job.status || ')', jsonb_build_object('jobId', p_id));
  END IF;
  IF p_progress IS NULL OR NOT (p_progress >= 0 AND p_progress <= 1) THEN
    PERFORM jobgate_raise('VALIDATION', 'progress must be within 0..1', jsonb_build_object('jobId', p_id));
  END IF;
  UPDATE jobgate_jobs SET progress = p_progress, updated_at = jobgate_ts(p_now)
   WHERE id = p_id RETURNING * INTO v_job;
  RETURN jobgate_job_json(v_job);
END;
$$;

-- requeue → {"job": row, "promoted": [row]}: running without a task → queued at the head,
-- with backoff until p_retry_at; attempts + 1; releases the slot.
CREATE OR REPLACE FUNCTION jobgate_requeue(
  p_id text, p_limits jsonb, p_now bigint, p_retry_at bigint, p_error_code text, p_error_message text
) RETURNS jsonb LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_job jobgate_jobs;
  v_pool text;
  v_ts timestamptz;
  v_seq bigint;
  v_promoted text[];
BEGIN
  PERFORM jobgate_require(p_id, 'p_id');
  PERFORM jobgate_check_limits(p_limits);
  PERFORM jobgate_require(p_now, 'p_now');
  PERFORM jobgate_require(p_retry_at, 'p_retry_at');
  PERFORM jobgate_require(p_error_code, 'p_error_code');
  PERFORM jobgate_require(p_error_message, 'p_error_message');
  v_ts := jobgate_ts(p_now);
  v_pool := jobgate_pool_of(p_id);
  PERFORM jobgate_lock_slots(v_pool, p_limits);
  v_job := jobgate_lock_job(p_id);
  IF v_job.status <> 'running' OR v_job.task_id IS NOT NULL THEN
    PERFORM jobgate_raise('INVALID_TRANSITION',
      'only a running job without a task can go back to the queue', jsonb_build_object('jobId', p_id));
  END IF;
  SELECT least(0, coalesce(min(queue_seq), 0)) - 1 INTO v_seq FROM jobgate_jobs
   WHERE status = 'queued' AND pool = v_pool AND queue_seq IS NOT NULL;
  UPDATE jobgate_jobs
     SET status = 'queued', waited_in_queue = true, queued_at = coalesce(queued_at, v_ts),
         updated_at = v_ts, queue_seq = v_seq, attempts = attempts + 1,
         retry_at = jobgate_ts(p_retry_at), error_code = p_error_code,
         error_message = p_error_message, started_at = NULL
   WHERE id = p_id;
  PERFORM jobgate_renumber(v_pool, v_ts);
  v_promoted := jobgate_promote_pool(v_pool, p_limits, v_ts);
  RETURN jsonb_build_object('job', jobgate_get_json(p_id), 'promoted', jobgate_jobs_json(v_promoted));
END;
$$;

-- finish → {"job": row, "changed": bool, "promoted": [row]}: compare-and-set on p_from
-- (a JSON array of statuses; null = any active), terminal + completed_at, release, and
-- promote the queue head, in one transaction.
CREATE OR REPLACE FUNCTION jobgate_finish(
  p_id text, p_status text, p_output jsonb, p_error_code text, p_error_message text,
  p_from jsonb, p_limits jsonb, p_now bigint
) RETURNS jsonb LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_job jobgate_jobs;
  v_pool text;
  v_ts timestamptz;
  v_from text[];
  v_promoted text[];
BEGIN
  PERFORM jobgate_require(p_id, 'p_id');
  IF p_status IS NULL OR p_status NOT IN ('completed', 'failed', 'cancelled') THEN
    PERFORM jobgate_raise('VALIDATION', 'p_status must be completed, failed or cancelled',
      jsonb_build_object('jobId', p_id));
  END IF;
  IF p_status <> 'completed' AND (p_error_code IS NULL OR p_error_message IS NULL) THEN
    PERFORM jobgate_raise('VALIDATION', 'a failed or cancelled job needs p_error_code and p_error_message',
      jsonb_build_object('jobId', p_id));
  END IF;
  IF p_from IS NOT NULL AND (jsonb_typeof(p_from) <> 'array' OR EXISTS (
       SELECT 1 FROM jsonb_array_elements(p_from) e
        WHERE jsonb_typeof(e) <> 'string'
           OR e #>> '{}' NOT IN ('starting', 'queued', 'running', 'completed', 'failed', 'cancelled'))) THEN
    PERFORM jobgate_raise('VALIDATION', 'p_from must be a JSON array of statuses', jsonb_build_object('jobId', p_id));
  END IF;
  PERFORM jobgate_check_limits(p_limits);
  PERFORM jobgate_require(p_now, 'p_now');
  v_ts := jobgate_ts(p_now);
  v_from := CASE WHEN p_from IS NULL THEN ARRAY['starting', 'queued', 'running']
                 ELSE ARRAY(SELECT jsonb_array_elements_text(p_from)) END;
  v_pool := jobgate_pool_of(p_id);
  PERFORM jobgate_lock_slots(v_pool, p_limits);
  v_job := jobgate_lock_job(p_id);
  IF v_job.status IN ('completed', 'failed', 'cancelled') OR NOT (v_job.status = ANY (v_from)) THEN
    RETURN jsonb_build_object('job', jobgate_job_json(v_job), 'changed', false, 'promoted', '[]'::jsonb);
  END IF;
  IF p_status = 'completed' AND v_job.status <> 'running' THEN
    PERFORM jobgate_raise('INVALID_TRANSITION', 'a ' || v_job.status || ' job cannot become completed',
      jsonb_build_object('jobId', p_id));
  END IF;
  IF p_status = 'completed' THEN
    UPDATE jobgate_jobs
       SET status = 'completed', completed_at = v_ts, updated_at = v_ts, position = NULL,
           retry_at = NULL, queue_seq = NULL, output = p_output, error_code = NULL,
           error_message = NULL, progress = 1
     WHERE id = p_id;
  ELSE
    UPDATE jobgate_jobs
       SET status = p_status, completed_at = v_ts, updated_at = v_ts, position = NULL,
           retry_at = NULL, queue_seq = NULL, error_code = p_error_code,
           error_message = p_error_message
     WHERE id = p_id;
  END IF;
  IF v_job.status = 'queued' THEN
    PERFORM jobgate_renumber(v_pool, v_ts);
  END IF;
  v_promoted := jobgate_promote_pool(v_pool, p_limits, v_ts);
  RETURN jsonb_build_object('job', jobgate_get_json(p_id), 'changed', true,
                            'promoted', jobgate_jobs_json(v_promoted));
END;
$$;

-- promote → [row]: claims queued jobs into free slots (FIFO), every pool.
CREATE OR REPLACE FUNCTION jobgate_promote(p_limits jsonb, p_now bigint) RETURNS jsonb
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM jobgate_check_limits(p_limits);
  PERFORM jobgate_require(p_now, 'p_now');
  PERFORM jobgate_lock_slots(NULL, p_limits);
  RETURN jobgate_jobs_json(jobgate_promote_all(p_limits, jobgate_ts(p_now)));
END;
$$;

-- heal → {"healed": [row], "promoted": [row]}: ends what outlived its window, then promotes.
--   starting older than p_stale_start_ms (from created_at)          → cancelled STALE_START
--   phantom queued (not really in the queue) older than stale start  → cancelled STALE_START
--   queued longer than p_max_queue_ms (from queued_at; null = never) → failed TIMEOUT
--   running with no task_id longer than p_lost_start_ms (started_at) → failed START_LOST
CREATE OR REPLACE FUNCTION jobgate_heal(
  p_limits jsonb, p_now bigint, p_stale_start_ms bigint, p_lost_start_ms bigint,
  p_max_queue_ms bigint DEFAULT NULL
) RETURNS jsonb LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_ts timestamptz;
  v_stale timestamptz;
  v_ids text[] := '{}';
  v_part text[];
  v_pools text[];
  v_pool text;
  v_promoted text[];
BEGIN
  PERFORM jobgate_check_limits(p_limits);
  PERFORM jobgate_require(p_now, 'p_now');
  PERFORM jobgate_require(p_stale_start_ms, 'p_stale_start_ms');
  PERFORM jobgate_require(p_lost_start_ms, 'p_lost_start_ms');
  v_ts := jobgate_ts(p_now);
  v_stale := jobgate_ts(p_now - p_stale_start_ms);
  PERFORM jobgate_lock_slots(NULL, p_limits);

  WITH ended AS (
    UPDATE jobgate_jobs
       SET status = 'cancelled', error_code = 'STALE_START',
           error_message = 'STALE_START: the job was still starting '
             || round((p_now - (extract(epoch FROM created_at) * 1000)::bigint) / 1000.0)::bigint
             || ' s after it was created',
           completed_at = v_ts, updated_at = v_ts, position = NULL, retry_at = NULL, queue_seq = NULL
     WHERE status = 'starting' AND created_at < v_stale
    RETURNING id)
  SELECT coalesce(array_agg(id), '{}') INTO v_part FROM ended;
  v_ids := v_ids || v_part;

  WITH ended AS (
    UPDATE jobgate_jobs
       SET status = 'cancelled', error_code = 'STALE_START',
           error_message = 'STALE_START: the job was marked queued but never entered the queue',
           completed_at = v_ts, updated_at = v_ts, position = NULL, retry_at = NULL, queue_seq = NULL
     WHERE status = 'queued' AND (NOT waited_in_queue OR position IS NULL OR queue_seq IS NULL)
       AND created_at < v_stale
    RETURNING id, pool)
  SELECT coalesce(array_agg(id), '{}'), coalesce(array_agg(DISTINCT pool), '{}') INTO v_part, v_pools FROM ended;
  v_ids := v_ids || v_part;

  IF p_max_queue_ms IS NOT NULL THEN
    WITH ended AS (
      UPDATE jobgate_jobs
         SET status = 'failed', error_code = 'TIMEOUT',
             error_message = 'TIMEOUT: the job waited in the queue longer than ' || p_max_queue_ms || ' ms',
             completed_at = v_ts, updated_at = v_ts, position = NULL, retry_at = NULL, queue_seq = NULL
       WHERE status = 'queued' AND waited_in_queue AND position IS NOT NULL AND queue_seq IS NOT NULL
         AND queued_at < jobgate_ts(p_now - p_max_queue_ms)
      RETURNING id, pool)
    SELECT coalesce(array_agg(id), '{}'), v_pools || coalesce(array_agg(DISTINCT pool), '{}')
      INTO v_part, v_pools FROM ended;
    v_ids := v_ids || v_part;
  END IF;

  WITH ended AS (
    UPDATE jobgate_jobs
       SET status = 'failed', error_code = 'START_LOST',
           error_message = 'START_LOST: the provider never confirmed the start within '
             || p_lost_start_ms || ' ms',
           completed_at = v_ts, updated_at = v_ts, position = NULL, retry_at = NULL, queue_seq = NULL
     WHERE status = 'running' AND task_id IS NULL AND started_at < jobgate_ts(p_now - p_lost_start_ms)
    RETURNING id)
  SELECT coalesce(array_agg(id), '{}') INTO v_part FROM ended;
  v_ids := v_ids || v_part;

  FOR v_pool IN SELECT DISTINCT unnest(v_pools) LOOP
    PERFORM jobgate_renumber(v_pool, v_ts);
  END LOOP;

  v_promoted := jobgate_promote_all(p_limits, v_ts);
  RETURN jsonb_build_object(
    'healed', (SELECT coalesce(jsonb_agg(jobgate_job_json(j) ORDER BY j.row_seq), '[]'::jsonb)
                 FROM jobgate_jobs j WHERE j.id = ANY (v_ids)),
    'promoted', jobgate_jobs_json(v_promoted));
END;
$$;

-- set_credit_state → bool: compare-and-set of credit_state; NOT_FOUND if no such job.
CREATE OR REPLACE FUNCTION jobgate_set_credit_state(p_id text, p_from text, p_to text, p_now bigint)
RETURNS boolean LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM jobgate_require(p_id, 'p_id');
  IF p_from IS NULL OR p_from NOT IN ('none', 'charged', 'refunded')
     OR p_to IS NULL OR p_to NOT IN ('none', 'charged', 'refunded') THEN
    PERFORM jobgate_raise('VALIDATION', 'credit states are none, charged or refunded', jsonb_build_object('jobId', p_id));
  END IF;
  PERFORM jobgate_require(p_now, 'p_now');
  UPDATE jobgate_jobs SET credit_state = p_to, updated_at = jobgate_ts(p_now)
   WHERE id = p_id AND credit_state = p_from;
  IF FOUND THEN
    RETURN true;
  END IF;
  PERFORM jobgate_pool_of(p_id);
  RETURN false;
END;
$$;

-- find_active → row or null: the user's oldest active job.
CREATE OR REPLACE FUNCTION jobgate_find_active(p_user_id text) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM jobgate_require(p_user_id, 'p_user_id');
  RETURN (SELECT jobgate_job_json(j) FROM jobgate_jobs j
           WHERE j.user_id = p_user_id AND j.status IN ('starting', 'queued', 'running')
           ORDER BY j.created_at, j.row_seq LIMIT 1);
END;
$$;

-- list → [row]: newest first; every filter optional (p_status: JSON array of statuses).
CREATE OR REPLACE FUNCTION jobgate_list(
  p_user_id text DEFAULT NULL, p_status jsonb DEFAULT NULL, p_tool text DEFAULT NULL,
  p_limit integer DEFAULT NULL
) RETURNS jsonb LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
DECLARE
  v_status text[];
BEGIN
  IF p_status IS NOT NULL AND jsonb_typeof(p_status) <> 'array' THEN
    PERFORM jobgate_raise('VALIDATION', 'p_status must be a JSON array of statuses');
  END IF;
  IF p_limit IS NOT NULL AND p_limit < 0 THEN
    PERFORM jobgate_raise('VALIDATION', 'p_limit must be >= 0');
  END IF;
  v_status := CASE WHEN p_status IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(p_status)) END;
  RETURN (
    SELECT coalesce(jsonb_agg(jobgate_job_json(t) ORDER BY t.created_at DESC, t.row_seq), '[]'::jsonb)
      FROM (SELECT * FROM jobgate_jobs j
             WHERE (p_user_id IS NULL OR j.user_id = p_user_id)
               AND (v_status IS NULL OR j.status = ANY (v_status))
               AND (p_tool IS NULL OR j.tool = p_tool)
             ORDER BY j.created_at DESC, j.row_seq
             LIMIT p_limit) t);
END;
$$;

-- queue → [row]: a pool's queue in order (all pools if p_pool is null).
CREATE OR REPLACE FUNCTION jobgate_queue(p_pool text DEFAULT NULL) RETURNS jsonb
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
  SELECT coalesce(jsonb_agg(jobgate_job_json(j) ORDER BY p.first, j.queue_seq), '[]'::jsonb)
    FROM jobgate_jobs j
    JOIN (SELECT pool, min(row_seq) AS first FROM jobgate_jobs
           WHERE status = 'queued' AND queue_seq IS NOT NULL AND (p_pool IS NULL OR pool = p_pool)
           GROUP BY pool) p ON p.pool = j.pool
   WHERE j.status = 'queued' AND j.queue_seq IS NOT NULL
$$;

-- counts → {"running": n, "queued": n} of a pool.
CREATE OR REPLACE FUNCTION jobgate_counts(p_pool text) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM jobgate_require(p_pool, 'p_pool');
  RETURN jsonb_build_object(
    'running', (SELECT count(*) FROM jobgate_jobs WHERE status = 'running' AND pool = p_pool),
    'queued', (SELECT count(*) FROM jobgate_jobs WHERE status = 'queued' AND pool = p_pool));
END;
$$;
