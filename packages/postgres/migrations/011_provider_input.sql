-- jobgate 011 (provider_input): a start that goes back to the queue (provider busy) keeps the
-- files the provider already received, so the retry does not upload them again: the
-- provider_input column and jobgate_requeue's p_provider_input. Only what changed; the live
-- definitions are in sql/ (helpers.sql, slots.sql).

ALTER TABLE jobgate_jobs ADD COLUMN IF NOT EXISTS provider_input jsonb;

DROP FUNCTION IF EXISTS jobgate_requeue(text, jsonb, bigint, bigint, text, text);

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
