-- jobgate live SQL: healing. Off the hot path: heal never takes every pool's lock at once.
-- Rows that hold neither a slot nor a place in the queue (stale `starting`, phantom
-- `queued`) end under their row lock alone; the rest is done pool by pool, each under its
-- own slot lock, and only in pools that have something to heal or a queue that could move.
-- Every scan goes through a partial index that holds only its candidates.

-- Its indexes (one per kind of candidate) are created by migration 007.

-- heal → {"healed": [row], "promoted": [row]}: ends what outlived its window, then promotes.
--   starting older than p_stale_start_ms (from created_at)          → cancelled STALE_START
--   phantom queued (not really in the queue) older than stale start  → cancelled STALE_START
--   queued longer than p_max_queue_ms (from queued_at; null = never) → failed TIMEOUT
--   running with no task_id, and: no started_at at all (an old app's shape), or started_at
--   older than p_lost_start_ms, or (p_lease_ms given) its start lease ran out  → failed START_LOST
-- The start lease is the later of lease_until (renewed by the process whose provider call is
-- in flight) and started_at + p_lease_ms: a renewal left from an earlier attempt (before a
-- busy requeue) is older than the new started_at and never shortens the new attempt's lease.
-- p_pool: heal only that pool (a submit heals its own pool, never every pool).
CREATE OR REPLACE FUNCTION jobgate_heal(
  p_limits jsonb, p_now bigint, p_stale_start_ms bigint, p_lost_start_ms bigint,
  p_max_queue_ms bigint DEFAULT NULL, p_pool text DEFAULT NULL, p_lease_ms bigint DEFAULT NULL
) RETURNS jsonb LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_ts timestamptz;
  v_ids text[] := '{}';
  v_part text[];
  v_pool text;
  v_promoted text[] := '{}';
BEGIN
  PERFORM jobgate_check_limits(p_limits);
  PERFORM jobgate_require(p_stale_start_ms, 'p_stale_start_ms');
  PERFORM jobgate_require(p_lost_start_ms, 'p_lost_start_ms');
  IF p_lease_ms IS NOT NULL AND p_lease_ms < 1 THEN
    PERFORM jobgate_raise('VALIDATION', 'p_lease_ms must be positive');
  END IF;
  PERFORM jobgate_require_read_committed();
  v_ts := jobgate_clock(p_now);

  WITH ended AS (
    UPDATE jobgate_jobs
       SET status = 'cancelled', error_code = 'STALE_START',
           error_message = 'STALE_START: the job was still starting '
             || round(extract(epoch FROM v_ts - created_at))::bigint || ' s after it was created',
           completed_at = v_ts, updated_at = v_ts, position = NULL, retry_at = NULL, queue_seq = NULL
     WHERE status = 'starting' AND created_at < v_ts - jobgate_ms(p_stale_start_ms)
       AND (p_pool IS NULL OR pool = p_pool)
    RETURNING id)
  SELECT coalesce(array_agg(id), '{}') INTO v_part FROM ended;
  v_ids := v_ids || v_part;

  WITH ended AS (
    UPDATE jobgate_jobs
       SET status = 'cancelled', error_code = 'STALE_START',
           error_message = 'STALE_START: the job was marked queued but never entered the queue',
           completed_at = v_ts, updated_at = v_ts, position = NULL, retry_at = NULL, queue_seq = NULL
     WHERE status = 'queued' AND queue_seq IS NULL AND created_at < v_ts - jobgate_ms(p_stale_start_ms)
       AND (p_pool IS NULL OR pool = p_pool)
    RETURNING id)
  SELECT coalesce(array_agg(id), '{}') INTO v_part FROM ended;
  v_ids := v_ids || v_part;

  -- Pools with a job that outlived its window: each healed under its own pool lock.
  FOR v_pool IN
    SELECT DISTINCT c.pool FROM (
      SELECT pool FROM jobgate_jobs
       WHERE status = 'running' AND task_id IS NULL
         AND (started_at IS NULL
              OR started_at < v_ts - jobgate_ms(p_lost_start_ms)
              OR (p_lease_ms IS NOT NULL
                  AND greatest(lease_until, started_at + jobgate_ms(p_lease_ms)) < v_ts))
      UNION ALL
      SELECT pool FROM jobgate_jobs
       WHERE p_max_queue_ms IS NOT NULL AND status = 'queued'
         AND queued_at < v_ts - jobgate_ms(p_max_queue_ms)
    ) c
     WHERE p_pool IS NULL OR c.pool = p_pool
     ORDER BY c.pool
  LOOP
    PERFORM jobgate_lock_slots(v_pool, p_limits);
    v_ts := jobgate_clock(p_now);

    IF p_max_queue_ms IS NOT NULL THEN
      WITH ended AS (
        UPDATE jobgate_jobs
           SET status = 'failed', error_code = 'TIMEOUT',
               error_message = 'TIMEOUT: the job waited in the queue longer than ' || p_max_queue_ms || ' ms',
               completed_at = v_ts, updated_at = v_ts, position = NULL, retry_at = NULL, queue_seq = NULL
         WHERE status = 'queued' AND pool = v_pool AND waited_in_queue AND queue_seq IS NOT NULL
           AND queued_at < v_ts - jobgate_ms(p_max_queue_ms)
        RETURNING id)
      SELECT coalesce(array_agg(id), '{}') INTO v_part FROM ended;
      v_ids := v_ids || v_part;
    END IF;

    WITH ended AS (
      UPDATE jobgate_jobs
         SET status = 'failed', error_code = 'START_LOST',
             error_message = CASE
               WHEN started_at IS NULL THEN
                 'START_LOST: the job was marked running but was never started at the provider'
               WHEN started_at < v_ts - jobgate_ms(p_lost_start_ms) THEN
                 'START_LOST: the provider never confirmed the start within ' || p_lost_start_ms || ' ms'
               ELSE 'START_LOST: the process starting the job stopped (its start lease ran out)'
             END,
             completed_at = v_ts, updated_at = v_ts, position = NULL, retry_at = NULL,
             queue_seq = NULL, lease_until = NULL
       WHERE status = 'running' AND pool = v_pool AND task_id IS NULL
         AND (started_at IS NULL
              OR started_at < v_ts - jobgate_ms(p_lost_start_ms)
              OR (p_lease_ms IS NOT NULL
                  AND greatest(lease_until, started_at + jobgate_ms(p_lease_ms)) < v_ts))
      RETURNING id)
    SELECT coalesce(array_agg(id), '{}') INTO v_part FROM ended;
    v_ids := v_ids || v_part;
  END LOOP;

  -- Then, once everything is healed (a freed tool or user slot may serve another pool), the
  -- pools whose queue sits next to a free slot (a backoff ran out, or a slot was freed), in
  -- pool name order, each under its own lock: the count is a hint read before the lock and
  -- decided again under it.
  FOR v_pool IN
    SELECT q.pool FROM jobgate_queued_pools() AS q(pool)
     WHERE (p_pool IS NULL OR q.pool = p_pool)
       AND (SELECT count(*) FROM jobgate_jobs r WHERE r.status = 'running' AND r.pool = q.pool)
           < jobgate_pool_cap(p_limits, q.pool)
  LOOP
    PERFORM jobgate_lock_slots(v_pool, p_limits);
    v_promoted := v_promoted || jobgate_promote_pool(v_pool, p_limits, jobgate_clock(p_now));
  END LOOP;

  RETURN jsonb_build_object(
    'healed', (SELECT coalesce(jsonb_agg(jobgate_job_json(j) ORDER BY j.row_seq), '[]'::jsonb)
                 FROM jobgate_jobs j WHERE j.id = ANY (v_ids)),
    'promoted', jobgate_jobs_json(v_promoted));
END;
$$;
