-- jobgate live SQL: reads. Positions are computed here, when read, from queue_seq.

-- Heal finds the refunds it owes through jobgate_jobs_refunds_owed_idx (migration 008).

-- get → row or null
CREATE OR REPLACE FUNCTION jobgate_get(p_id text) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM jobgate_require(p_id, 'p_id');
  RETURN jobgate_get_json(p_id);
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

-- queue → [row]: a pool's queue in order, positions 1..n (all pools if p_pool is null: pools
-- in the order of their first job, each pool's queue in order). One pass: the positions
-- come from row_number(), not from one count per row.
CREATE OR REPLACE FUNCTION jobgate_queue(p_pool text DEFAULT NULL) RETURNS jsonb
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
  SELECT coalesce(jsonb_agg(
           (to_jsonb(j) - 'queue_seq' - 'row_seq' - 'rn') || jsonb_build_object('position', j.rn)
           ORDER BY p.first, j.queue_seq), '[]'::jsonb)
    FROM (SELECT q.*, row_number() OVER (PARTITION BY q.pool ORDER BY q.queue_seq) AS rn
            FROM jobgate_jobs q
           WHERE q.status = 'queued' AND q.queue_seq IS NOT NULL
             AND (p_pool IS NULL OR q.pool = p_pool)) j
    JOIN (SELECT qp.pool, (SELECT min(f.row_seq) FROM jobgate_jobs f WHERE f.pool = qp.pool) AS first
            FROM jobgate_queued_pools() AS qp(pool)
           WHERE p_pool IS NULL OR qp.pool = p_pool) p ON p.pool = j.pool
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
