-- jobgate 006: list() can filter on credit_state, so healing finds the refunds still owed
-- (failed or cancelled jobs still marked charged) through a small partial index instead of
-- reading the whole job history on every tick.

DROP FUNCTION IF EXISTS jobgate_list(text, jsonb, text, integer);

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
  IF p_credit_state IS NOT NULL AND p_credit_state NOT IN ('none', 'charged', 'refunded') THEN
    PERFORM jobgate_raise('VALIDATION', 'p_credit_state must be none, charged or refunded');
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

CREATE INDEX IF NOT EXISTS jobgate_jobs_refund_owed_idx
  ON jobgate_jobs (created_at DESC)
  WHERE credit_state = 'charged' AND status IN ('failed', 'cancelled');
