-- jobgate live SQL: the lifecycle of one job besides the slot rule (create, task, progress,
-- finish, credits). Every public function is one statement for the caller, so one
-- transaction: it works through a transaction pooler (no session state, no prepared
-- statements) and through PostgREST `.rpc(...)` with the named parameters below. Rows come
-- back as jsonb (see jobgate_job_json). Errors: SQLSTATE P0001 with MESSAGE
-- 'JOBGATE:<CODE>:<text>' and DETAIL a JSON object (e.g. {"jobId": …, "activeJobId": …}).

-- create → {"job": row, "created": bool[, "promoted": [row]]}. With p_limits, a new job is
-- also started in the same transaction (the slot decision of jobgate_start): a submit that
-- takes a slot, or queues, is one statement.
CREATE OR REPLACE FUNCTION jobgate_create(
  p_id text, p_tool text, p_user_id text, p_pool text, p_input jsonb,
  p_user_credit_cost numeric, p_max_active integer, p_now bigint, p_limits jsonb DEFAULT NULL
) RETURNS jsonb LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_job jobgate_jobs;
  v_active jobgate_jobs;
  v_count integer;
  v_ts timestamptz;
  v_promoted text[];
BEGIN
  PERFORM jobgate_check_new(p_id, p_tool, p_user_id, p_pool, p_input, p_user_credit_cost, p_now);
  IF p_limits IS NOT NULL THEN
    PERFORM jobgate_check_limits(p_limits);
  END IF;
  IF p_max_active IS NULL OR p_max_active < 1 THEN
    PERFORM jobgate_raise('VALIDATION', 'p_max_active must be a positive integer', jsonb_build_object('jobId', p_id));
  END IF;
  SELECT * INTO v_job FROM jobgate_jobs WHERE id = p_id;
  IF FOUND THEN
    RETURN jobgate_same(v_job, p_tool, p_user_id);
  END IF;
  -- The per-user decision: one transaction per user at a time, so two clicks with
  -- different ids cannot both pass.
  PERFORM pg_advisory_xact_lock(hashtextextended(current_schema() || ':jobgate:user:' || p_user_id, 0));
  v_ts := jobgate_clock(p_now);
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
  IF p_limits IS NULL THEN
    RETURN jsonb_build_object('job', jobgate_job_json(v_job), 'created', true);
  END IF;
  v_promoted := jobgate_place(p_id, p_pool, p_limits, p_now);
  RETURN jsonb_build_object('job', jobgate_get_json(p_id), 'created', true,
                            'promoted', jobgate_jobs_json(v_promoted));
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
  v_ts := jobgate_clock(p_now);
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

-- attach_task → row: records the provider's task id on a running job.
CREATE OR REPLACE FUNCTION jobgate_attach_task(p_id text, p_task_id text, p_now bigint) RETURNS jsonb
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_job jobgate_jobs;
BEGIN
  PERFORM jobgate_require(p_id, 'p_id');
  PERFORM jobgate_require(p_task_id, 'p_task_id');
  v_job := jobgate_lock_job(p_id);
  IF v_job.status <> 'running' THEN
    PERFORM jobgate_raise('INVALID_TRANSITION',
      'a task can only be attached to a running job (it is ' || v_job.status || ')', jsonb_build_object('jobId', p_id));
  END IF;
  IF v_job.task_id IS NOT NULL AND v_job.task_id <> p_task_id THEN
    PERFORM jobgate_raise('CONFLICT', 'job already has task ' || v_job.task_id, jsonb_build_object('jobId', p_id));
  END IF;
  -- The start is done: its lease and the error fields of an earlier busy answer go.
  UPDATE jobgate_jobs
     SET task_id = p_task_id, updated_at = jobgate_clock(p_now), lease_until = NULL,
         error_code = NULL, error_message = NULL, retry_at = NULL
   WHERE id = p_id RETURNING * INTO v_job;
  RETURN jobgate_job_json(v_job);
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
  UPDATE jobgate_jobs SET lease_until = jobgate_ts(p_until)
   WHERE id IN (SELECT jsonb_array_elements_text(p_ids))
     AND status = 'running' AND task_id IS NULL;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  RETURN v_n;
END;
$$;

-- record_late_output → {"job": row, "changed": bool}: the provider finished a job that heal or
-- the watchdog had ended (TIMEOUT, START_LOST, TASK_LOST): keep the output and the task id.
-- The job stays failed (and refunded).
CREATE OR REPLACE FUNCTION jobgate_record_late_output(
  p_id text, p_task_id text, p_output jsonb, p_now bigint
) RETURNS jsonb LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_job jobgate_jobs;
BEGIN
  v_job := jobgate_lock_job(p_id);
  IF v_job.status <> 'failed'
     OR coalesce(v_job.error_code, '') NOT IN ('TIMEOUT', 'START_LOST', 'TASK_LOST')
     OR v_job.output IS NOT NULL
     OR (p_task_id IS NOT NULL AND v_job.task_id IS NOT NULL AND v_job.task_id <> p_task_id) THEN
    RETURN jsonb_build_object('job', jobgate_job_json(v_job), 'changed', false);
  END IF;
  UPDATE jobgate_jobs
     SET output = coalesce(p_output, 'null'::jsonb), task_id = coalesce(task_id, p_task_id),
         updated_at = jobgate_clock(p_now)
   WHERE id = p_id RETURNING * INTO v_job;
  RETURN jsonb_build_object('job', jobgate_job_json(v_job), 'changed', true);
END;
$$;

-- progress → row: provider progress (0..1) on a running job.
CREATE OR REPLACE FUNCTION jobgate_progress(p_id text, p_progress double precision, p_now bigint)
RETURNS jsonb LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_job jobgate_jobs;
BEGIN
  PERFORM jobgate_require(p_id, 'p_id');
  v_job := jobgate_lock_job(p_id);
  IF v_job.status <> 'running' THEN
    PERFORM jobgate_raise('INVALID_TRANSITION',
      'progress only applies to a running job (it is ' || v_job.status || ')', jsonb_build_object('jobId', p_id));
  END IF;
  IF p_progress IS NULL OR NOT (p_progress >= 0 AND p_progress <= 1) THEN
    PERFORM jobgate_raise('VALIDATION', 'progress must be within 0..1', jsonb_build_object('jobId', p_id));
  END IF;
  UPDATE jobgate_jobs SET progress = p_progress, updated_at = jobgate_clock(p_now)
   WHERE id = p_id RETURNING * INTO v_job;
  RETURN jobgate_job_json(v_job);
END;
$$;

-- finish → {"job": row, "changed": bool, "promoted": [row]}: compare-and-set on p_from
-- (a JSON array of statuses; null = any active), terminal + completed_at, release, and
-- promote the queue head, in one transaction. p_task_id (optional): the provider's task the
-- outcome is about; refused (VALIDATION) if the job records another task, recorded if the
-- job has none yet, so a provider's answer needs no read before it.
CREATE OR REPLACE FUNCTION jobgate_finish(
  p_id text, p_status text, p_output jsonb, p_error_code text, p_error_message text,
  p_from jsonb, p_limits jsonb, p_now bigint, p_task_id text DEFAULT NULL
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
  v_from := CASE WHEN p_from IS NULL THEN ARRAY['starting', 'queued', 'running']
                 ELSE ARRAY(SELECT jsonb_array_elements_text(p_from)) END;
  v_pool := jobgate_pool_of(p_id);
  PERFORM jobgate_lock_slots(v_pool, p_limits);
  v_ts := jobgate_clock(p_now);
  v_job := jobgate_lock_job(p_id);
  IF p_task_id IS NOT NULL AND v_job.task_id IS NOT NULL AND v_job.task_id <> p_task_id THEN
    PERFORM jobgate_raise('VALIDATION', 'the update is for another task', jsonb_build_object('jobId', p_id));
  END IF;
  IF v_job.status IN ('completed', 'failed', 'cancelled') OR NOT (v_job.status = ANY (v_from)) THEN
    RETURN jsonb_build_object('job', jobgate_job_json(v_job), 'changed', false, 'promoted', '[]'::jsonb);
  END IF;
  IF p_status = 'completed' AND v_job.status <> 'running' THEN
    PERFORM jobgate_raise('INVALID_TRANSITION', 'a ' || v_job.status || ' job cannot become completed',
      jsonb_build_object('jobId', p_id));
  END IF;
  UPDATE jobgate_jobs
     SET status = p_status, completed_at = v_ts, updated_at = v_ts, position = NULL,
         retry_at = NULL, queue_seq = NULL,
         task_id = CASE WHEN v_job.status = 'running' THEN coalesce(task_id, p_task_id) ELSE task_id END,
         output = CASE WHEN p_status = 'completed' THEN p_output ELSE output END,
         error_code = CASE WHEN p_status = 'completed' THEN NULL ELSE p_error_code END,
         error_message = CASE WHEN p_status = 'completed' THEN NULL ELSE p_error_message END,
         progress = CASE WHEN p_status = 'completed' THEN 1 ELSE progress END
   WHERE id = p_id
  RETURNING * INTO v_job;
  -- A running job frees its slot; a queued head in backoff that leaves may unblock the rest.
  v_promoted := jobgate_promote_pool(v_pool, p_limits, v_ts);
  RETURN jsonb_build_object('job', jobgate_job_json(v_job), 'changed', true,
                            'promoted', jobgate_jobs_json(v_promoted));
END;
$$;

-- set_credit_state → bool: compare-and-set of credit_state; NOT_FOUND if no such job.
CREATE OR REPLACE FUNCTION jobgate_set_credit_state(p_id text, p_from text, p_to text, p_now bigint)
RETURNS boolean LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM jobgate_require(p_id, 'p_id');
  PERFORM jobgate_check_credit_state(p_from, 'p_from');
  PERFORM jobgate_check_credit_state(p_to, 'p_to');
  UPDATE jobgate_jobs SET credit_state = p_to, updated_at = jobgate_clock(p_now)
   WHERE id = p_id AND credit_state = p_from;
  IF FOUND THEN
    RETURN true;
  END IF;
  PERFORM jobgate_pool_of(p_id);
  RETURN false;
END;
$$;

-- claim_refund → row or null: a failed or cancelled job that is `charged` (or `refunding`
-- for longer than p_stale_ms: its claimer died) becomes `refunding` for this caller, who
-- alone then calls Billing. The claim's age is measured on the caller's clock (p_now, or
-- the database clock).
CREATE OR REPLACE FUNCTION jobgate_claim_refund(p_id text, p_now bigint, p_stale_ms bigint)
RETURNS jsonb LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_job jobgate_jobs;
  v_ts timestamptz;
BEGIN
  PERFORM jobgate_require(p_id, 'p_id');
  PERFORM jobgate_require(p_stale_ms, 'p_stale_ms');
  v_ts := jobgate_clock(p_now);
  UPDATE jobgate_jobs SET credit_state = 'refunding', updated_at = v_ts
   WHERE id = p_id AND status IN ('failed', 'cancelled')
     AND (credit_state = 'charged'
          OR (credit_state = 'refunding' AND updated_at < v_ts - jobgate_ms(p_stale_ms)))
  RETURNING * INTO v_job;
  IF FOUND THEN
    RETURN jobgate_job_json(v_job);
  END IF;
  PERFORM jobgate_pool_of(p_id);
  RETURN NULL;
END;
$$;
