-- jobgate 003: queue() of every pool lists pools in the order they first saw a job (the
-- in-memory store's order), found through an index rather than a scan of the history; and
-- promote() returns the promoted rows as they are after the promotion.

CREATE INDEX IF NOT EXISTS jobgate_jobs_pool_seq_idx ON jobgate_jobs (pool, row_seq);

-- queue → [row]: a pool's queue in order (all pools if p_pool is null: pools in the order
-- of their first job, each pool's queue in order).
CREATE OR REPLACE FUNCTION jobgate_queue(p_pool text DEFAULT NULL) RETURNS jsonb
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
  SELECT coalesce(jsonb_agg(jobgate_job_json(j) ORDER BY p.first, j.queue_seq), '[]'::jsonb)
    FROM jobgate_jobs j
    JOIN (SELECT q.pool, (SELECT min(f.row_seq) FROM jobgate_jobs f WHERE f.pool = q.pool) AS first
            FROM (SELECT DISTINCT pool FROM jobgate_jobs
                   WHERE status = 'queued' AND queue_seq IS NOT NULL
                     AND (p_pool IS NULL OR pool = p_pool)) q) p ON p.pool = j.pool
   WHERE j.status = 'queued' AND j.queue_seq IS NOT NULL
$$;

-- promote → [row]. Fix of 002: the promoted rows are read in a statement of their own, so
-- the read sees the promotion (a STABLE function in the same expression would read the
-- snapshot taken before it).
CREATE OR REPLACE FUNCTION jobgate_promote(p_limits jsonb, p_now bigint) RETURNS jsonb
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_ids text[];
BEGIN
  PERFORM jobgate_check_limits(p_limits);
  PERFORM jobgate_require(p_now, 'p_now');
  PERFORM jobgate_lock_slots(NULL, p_limits);
  v_ids := jobgate_promote_all(p_limits, jobgate_ts(p_now));
  RETURN jobgate_jobs_json(v_ids);
END;
$$;
