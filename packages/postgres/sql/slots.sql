-- jobgate live SQL: the slot rule. One short transaction takes pg_advisory_xact_lock on the
-- pool (shared lock on the schema's slot key + exclusive lock on the pool key; the exclusive
-- slot key when tool or per-user caps span pools), COUNTS running jobs inside the lock, and
-- either marks the job running or appends it to the queue (queue_seq: FIFO order; positions
-- are computed when read, so the queue's other rows are never written). Freeing a slot
-- claims the queue head in the same transaction. The TypeScript twin of this rule is
-- packages/core/src/domain/slotPolicy.ts.

-- The slot lock of one pool for this transaction.
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

-- The pools that have a queue, in name order: a loose scan of jobgate_jobs_queue_idx (one
-- index probe per pool, however long the queues are).
CREATE OR REPLACE FUNCTION jobgate_queued_pools() RETURNS SETOF text
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
  WITH RECURSIVE pools(pool) AS (
    (SELECT pool FROM jobgate_jobs WHERE status = 'queued' ORDER BY pool LIMIT 1)
    UNION ALL
    SELECT (SELECT j.pool FROM jobgate_jobs j
             WHERE j.status = 'queued' AND j.pool > p.pool ORDER BY j.pool LIMIT 1)
      FROM pools p WHERE p.pool IS NOT NULL)
  SELECT pool FROM pools WHERE pool IS NOT NULL
$$;

-- The promotion walk of core selectPromotions, on one pool, under its slot lock: FIFO;
-- stop at a job in provider backoff; skip a job held only by its tool or user cap; stop
-- when the pool is full. Writes only the promoted rows. Returns their ids in order.
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
  RETURN v_ids;
END;
$$;

-- Promotes in every pool with a queue (or only p_pool), each under its own pool lock, in
-- pool name order. Used by promote and heal, never by a submit.
CREATE OR REPLACE FUNCTION jobgate_promote_all(p_limits jsonb, p_ts timestamptz, p_pool text DEFAULT NULL)
RETURNS text[] LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_ids text[] := '{}';
  v_pool text;
BEGIN
  FOR v_pool IN SELECT pool FROM jobgate_queued_pools() AS pool WHERE p_pool IS NULL OR pool = p_pool LOOP
    PERFORM jobgate_lock_slots(v_pool, p_limits);
    v_ids := v_ids || jobgate_promote_pool(v_pool, p_limits, p_ts);
  END LOOP;
  RETURN v_ids;
END;
$$;

-- promote → [row]: claims queued jobs into free slots (FIFO), pool by pool.
CREATE OR REPLACE FUNCTION jobgate_promote(p_limits jsonb, p_now bigint) RETURNS jsonb
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_ids text[];
BEGIN
  PERFORM jobgate_check_limits(p_limits);
  PERFORM jobgate_require_read_committed();
  v_ids := jobgate_promote_all(p_limits, jobgate_clock(p_now));
  -- Read in a statement of its own, so the read sees the promotion.
  RETURN jobgate_jobs_json(v_ids);
END;
$$;

-- The slot decision for a `starting` job, under its pool's lock: promote first, then run it
-- if it fits and nobody in its pool waits out a provider backoff, else queue it at the tail.
-- Returns the promoted ids. Shared by start and by create with p_limits (one statement).
CREATE OR REPLACE FUNCTION jobgate_place(p_id text, p_pool text, p_limits jsonb, p_now bigint)
RETURNS text[] LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_job jobgate_jobs;
  v_ts timestamptz;
  v_promoted text[];
BEGIN
  PERFORM jobgate_lock_slots(p_pool, p_limits);
  v_ts := jobgate_clock(p_now);
  v_job := jobgate_lock_job(p_id);
  IF v_job.status IN ('running', 'completed', 'failed', 'cancelled') THEN
    PERFORM jobgate_raise('INVALID_TRANSITION', 'a ' || v_job.status || ' job cannot become running',
      jsonb_build_object('jobId', p_id));
  ELSIF v_job.status <> 'starting' THEN
    PERFORM jobgate_raise('INVALID_TRANSITION',
      'only a starting job can be started (it is ' || v_job.status || ')', jsonb_build_object('jobId', p_id));
  END IF;
  v_promoted := jobgate_promote_pool(p_pool, p_limits, v_ts);
  IF NOT EXISTS (
       SELECT 1 FROM jobgate_jobs
        WHERE status = 'queued' AND pool = p_pool AND queue_seq IS NOT NULL AND retry_at > v_ts)
     AND jobgate_fits(p_pool, v_job.tool, v_job.user_id, p_limits) THEN
    UPDATE jobgate_jobs
       SET status = 'running', started_at = v_ts, updated_at = v_ts, position = NULL,
           progress = NULL, queue_seq = NULL
     WHERE id = p_id;
  ELSE
    UPDATE jobgate_jobs
       SET status = 'queued', waited_in_queue = true, queued_at = coalesce(queued_at, v_ts),
           updated_at = v_ts, position = NULL, queue_seq = nextval('jobgate_queue_seq')
     WHERE id = p_id;
  END IF;
  RETURN v_promoted;
END;
$$;

-- start → {"job": row, "promoted": [row]}: promote first, then run or queue at the tail.
CREATE OR REPLACE FUNCTION jobgate_start(p_id text, p_limits jsonb, p_now bigint) RETURNS jsonb
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_promoted text[];
BEGIN
  PERFORM jobgate_require(p_id, 'p_id');
  PERFORM jobgate_check_limits(p_limits);
  v_promoted := jobgate_place(p_id, jobgate_pool_of(p_id), p_limits, p_now);
  RETURN jsonb_build_object('job', jobgate_get_json(p_id), 'promoted', jobgate_jobs_json(v_promoted));
END;
$$;

-- requeue → {"job": row, "promoted": [row]}: running without a task → queued at the head
-- (a queue_seq below every other, always < 0), with backoff until p_retry_at; attempts + 1;
-- releases the slot. p_provider_input (the files the provider already has) replaces the
-- job's provider_input unless NULL.
CREATE OR REPLACE FUNCTION jobgate_requeue(
  p_id text, p_limits jsonb, p_now bigint, p_retry_at bigint, p_error_code text, p_error_message text,
  p_provider_input jsonb DEFAULT NULL
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
  PERFORM jobgate_require(p_retry_at, 'p_retry_at');
  PERFORM jobgate_require(p_error_code, 'p_error_code');
  PERFORM jobgate_require(p_error_message, 'p_error_message');
  IF p_provider_input IS NOT NULL AND jsonb_typeof(p_provider_input) <> 'object' THEN
    PERFORM jobgate_raise('VALIDATION', 'p_provider_input must be a JSON object', jsonb_build_object('jobId', p_id));
  END IF;
  v_pool := jobgate_pool_of(p_id);
  PERFORM jobgate_lock_slots(v_pool, p_limits);
  v_ts := jobgate_clock(p_now);
  v_job := jobgate_lock_job(p_id);
  IF v_job.status <> 'running' OR v_job.task_id IS NOT NULL THEN
    PERFORM jobgate_raise('INVALID_TRANSITION',
      'only a running job without a task can go back to the queue', jsonb_build_object('jobId', p_id));
  END IF;
  SELECT least(0, coalesce(min(queue_seq), 0)) - 1 INTO v_seq FROM jobgate_jobs
   WHERE status = 'queued' AND pool = v_pool AND queue_seq IS NOT NULL;
  UPDATE jobgate_jobs
     SET status = 'queued', waited_in_queue = true, queued_at = coalesce(queued_at, v_ts),
         updated_at = v_ts, position = NULL, queue_seq = v_seq, attempts = attempts + 1,
         retry_at = jobgate_ts(p_retry_at), error_code = p_error_code,
         error_message = p_error_message, started_at = NULL,
         provider_input = coalesce(p_provider_input, provider_input)
   WHERE id = p_id;
  v_promoted := jobgate_promote_pool(v_pool, p_limits, v_ts);
  RETURN jsonb_build_object('job', jobgate_get_json(p_id), 'promoted', jobgate_jobs_json(v_promoted));
END;
$$;
