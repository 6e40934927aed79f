-- jobgate 008: nothing stays stuck.
--
-- * Start leases. A running job without a provider task is being started by one process;
--   that process renews `lease_until` while its provider call is in flight. The lease is the
--   later of `lease_until` and `started_at + p_lease_ms`, so taking a slot needs no extra write.
--   Heal ends a start whose lease ran out (its owner died) as START_LOST within seconds,
--   and a `running` row with no task and no `started_at` at all (an old app's shape) at once.
-- * Refund claims. `credit_state` gains `refunding`: a process claims a refund by a
--   compare-and-set before it calls Billing, so at most one process pays it; a claim whose
--   owner died is taken over after `p_stale_ms`.
-- * A late result. The provider finished a job that had already been ended as TIMEOUT,
--   START_LOST or TASK_LOST: its output is kept (the status stays failed, the refund stays).
-- * attach_task clears the error fields of an earlier busy answer (PROVIDER_BUSY).

ALTER TABLE jobgate_jobs ADD COLUMN IF NOT EXISTS lease_until timestamptz;

ALTER TABLE jobgate_jobs DROP CONSTRAINT IF EXISTS jobgate_jobs_credit_state_check;
ALTER TABLE jobgate_jobs ADD CONSTRAINT jobgate_jobs_credit_state_check
  CHECK (credit_state IN ('none', 'charged', 'refunding', 'refunded'));

-- Heal: starts whose lease may have run out (only running rows without a task match).
CREATE INDEX IF NOT EXISTS jobgate_jobs_start_lease_idx
  ON jobgate_jobs (started_at) WHERE status = 'running' AND task_id IS NULL;

CREATE OR REPLACE FUNCTION jobgate_check_credit_state(p_state text, p_name text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF p_state IS NULL OR p_state NOT IN ('none', 'charged', 'refunding', 'refunded') THEN
    PERFORM jobgate_raise('VALIDATION', p_name || ' must be none, charged, refunding or refunded');
  END IF;
END;
$$;

-- set_credit_state → bool: compare-and-set of credit_state; NOT_FOUND if no such job.
CREATE OR REPLACE FUNCTION jobgate_set_credit_state(p_id text, p_from text, p_to text, p_now bigint)
RETURNS boolean LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM jobgate_require(p_id, 'p_id');
  PERFORM jobgate_check_credit_state(p_from, 'p_from');
  PERFORM jobgate_check_credit_state(p_to, 'p_to');
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

-- claim_refund → row or null: a failed or cancelled job that is `charged` (or `refunding`
-- for longer than p_stale_ms: its claimer died) becomes `refunding` for this caller.
CREATE OR REPLACE FUNCTION jobgate_claim_refund(p_id text, p_now bigint, p_stale_ms bigint)
RETURNS jsonb LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_job jobgate_jobs;
BEGIN
  PERFORM jobgate_require(p_id, 'p_id');
  PERFORM jobgate_require(p_now, 'p_now');
  PERFORM jobgate_require(p_stale_ms, 'p_stale_ms');
  UPDATE jobgate_jobs SET credit_state = 'refunding', updated_at = jobgate_ts(p_now)
   WHERE id = p_id AND status IN ('failed', 'cancelled')
     AND (credit_state = 'charged'
          OR (credit_state = 'refunding' AND updated_at < jobgate_ts(p_now - p_stale_ms)))
  RETURNING * INTO v_job;
  IF FOUND THEN
    RETURN jobgate_job_json(v_job);
  END IF;
  PERFORM jobgate_pool_of(p_id);
  RETURN NULL;
END;
$$;

-- renew_leases → integer: the caller's starts in flight keep their slot until p_until.
CREATE OR REPLACE FUNCTION jobgate_renew_leases(p_ids jsonb, p_until bigint, p_now bigint)
RETURNS integer LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_n integer;
BEGIN
  IF p_ids IS NULL OR jsonb_typeof(p_ids) <> 'array' THEN
    PERFORM jobgate_raise('VALIDATION', 'p_ids must be a JSON array of job ids');
  END IF;
  PERFORM jobgate_require(p_until, 'p_until');
  PERFORM jobgate_require(p_now, 'p_now');
  UPDATE jobgate_jobs SET lease_until = jobgate_ts(p_until)
   WHERE id IN (SELECT jsonb_array_elements_text(p_ids))
     AND status = 'running' AND task_id IS NULL;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  RETURN v_n;
END;
$$;

-- attach_task → row: records the provider's task id on a running job; the start is done,
-- so its lease and any error of an earlier busy answer are cleared.
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
  UPDATE jobgate_jobs
     SET task_id = p_task_id, updated_at = jobgate_ts(p_now), lease_until = NULL,
         error_code = NULL, error_message = NULL, retry_at = NULL
   WHERE id = p_id RETURNING * INTO v_job;
  RETURN jobgate_job_json(v_job);
END;
$$;

-- record_late_output → {"job": row, "changed": bool}: the provider finished a job that heal or
-- the watchdog had ended (TIMEOUT, START_LOST, TASK_LOST): keep the output and the task id.
CREATE OR REPLACE FUNCTION jobgate_record_late_output(
  p_id text, p_task_id text, p_output jsonb, p_now bigint
) RETURNS jsonb LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_job jobgate_jobs;
BEGIN
  PERFORM jobgate_require(p_now, 'p_now');
  v_job := jobgate_lock_job(p_id);
  IF v_job.status <> 'failed' OR coalesce(v_job.error_code, '') NOT IN ('TIMEOUT', 'START_LOST', 'TASK_LOST')
     OR v_job.output IS NOT NULL
     OR (p_task_id IS NOT NULL AND v_job.task_id IS NOT NULL AND v_job.task_id <> p_task_id) THEN
    RETURN jsonb_build_object('job', jobgate_job_json(v_job), 'changed', false);
  END IF;
  UPDATE jobgate_jobs
     SET output = coalesce(p_output, 'null'::jsonb), task_id = coalesce(task_id, p_task_id),
         updated_at = jobgate_ts(p_now)
   WHERE id = p_id RETURNING * INTO v_job;
  RETURN jsonb_build_object('job', jobgate_job_json(v_job), 'changed', true);
END;
$$;

-- heal: 002's rules, plus the start rule of leases (see the top of this file):
--   running, no task_id, and started_at NULL, or started_at older than p_lost_start_ms, or
--   (p_lease_ms given) its lease past → START_LOST. The lease is the later of lease_until and
--   started_at + p_lease_ms (a renewal left from an earlier attempt, before a busy requeue,
--   is older than the new started_at and so never shortens the new attempt's lease).
DROP FUNCTION IF EXISTS jobgate_heal(jsonb, bigint, bigint, bigint, bigint);

CREATE OR REPLACE FUNCTION jobgate_heal(
  p_limits jsonb, p_now bigint, p_stale_start_ms bigint, p_lost_start_ms bigint,
  p_max_queue_ms bigint DEFAULT NULL, p_lease_ms bigint DEFAULT NULL
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
  IF p_lease_ms IS NOT NULL AND p_lease_ms < 1 THEN
    PERFORM jobgate_raise('VALIDATION', 'p_lease_ms must be positive');
  END IF;
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
           error_message = CASE
             WHEN started_at IS NULL THEN
               'START_LOST: the job was marked running but was never started at the provider'
             WHEN started_at < jobgate_ts(p_now - p_lost_start_ms) THEN
               'START_LOST: the provider never confirmed the start within ' || p_lost_start_ms || ' ms'
             ELSE 'START_LOST: the process starting the job stopped (its start lease ran out)'
           END,
           completed_at = v_ts, updated_at = v_ts, position = NULL, retry_at = NULL,
           queue_seq = NULL, lease_until = NULL
     WHERE status = 'running' AND task_id IS NULL
       AND (started_at IS NULL
            OR started_at < jobgate_ts(p_now - p_lost_start_ms)
            OR (p_lease_ms IS NOT NULL
                AND greatest(lease_until, started_at + p_lease_ms * interval '1 millisecond') < v_ts))
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

-- list: 006's filter, with the credit state `refunding`.
CREATE OR REPLACE FUNCTION jobgate_list(
  p_user_id text DEFAULT NULL, p_status jsonb DEFAULT NULL, p_tool text DEFAULT NULL,
  p_limit integer DEFAULT NULL, p_credit_state text DEFAULT NULL
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
  IF p_credit_state IS NOT NULL THEN
    PERFORM jobgate_check_credit_state(p_credit_state, 'p_credit_state');
  END IF;
  v_status := CASE WHEN p_status IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(p_status)) END;
  RETURN (
    SELECT coalesce(jsonb_agg(jobgate_job_json(t) ORDER BY t.created_at DESC, t.row_seq), '[]'::jsonb)
      FROM (SELECT * FROM jobgate_jobs j
             WHERE (p_user_id IS NULL OR j.user_id = p_user_id)
               AND (v_status IS NULL OR j.status = ANY (v_status))
               AND (p_tool IS NULL OR j.tool = p_tool)
               AND (p_credit_state IS NULL OR j.credit_state = p_credit_state)
             ORDER BY j.created_at DESC, j.row_seq
             LIMIT p_limit) t);
END;
$$;

DROP INDEX IF EXISTS jobgate_jobs_refund_owed_idx;
CREATE INDEX IF NOT EXISTS jobgate_jobs_refund_owed2_idx
  ON jobgate_jobs (created_at DESC)
  WHERE credit_state IN ('charged', 'refunding') AND status IN ('failed', 'cancelled');
