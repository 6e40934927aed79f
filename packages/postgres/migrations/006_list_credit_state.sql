-- jobgate 006: list() can filter on credit_state, so healing finds the refunds still owed
-- (failed or cancelled jobs still marked charged) through a small partial index instead of
-- reading the whole job history on every tick (jobgate_list: sql/reads.sql).

-- Superseded: list gained p_credit_state.
DROP FUNCTION IF EXISTS jobgate_list(text, jsonb, text, integer);

CREATE INDEX IF NOT EXISTS jobgate_jobs_refund_owed_idx
  ON jobgate_jobs (created_at DESC)
  WHERE credit_state = 'charged' AND status IN ('failed', 'cancelled');
