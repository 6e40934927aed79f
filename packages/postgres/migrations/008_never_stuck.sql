-- jobgate 008 (never_stuck): start leases and the heal of running rows without started_at,
-- refund claims (credit_state refunding), late results kept, attach_task clears busy-retry
-- errors. The functions are in sql/; here, what runs in order.

-- lease_until: the start lease of a running job without a task, renewed by the process
--   whose provider call is in flight (see sql/heal.sql);
-- credit_state 'refunding': a refund claimed by one process, before it calls Billing.
ALTER TABLE jobgate_jobs ADD COLUMN IF NOT EXISTS lease_until timestamptz;
ALTER TABLE jobgate_jobs DROP CONSTRAINT IF EXISTS jobgate_jobs_credit_state_check;
ALTER TABLE jobgate_jobs ADD CONSTRAINT jobgate_jobs_credit_state_check
  CHECK (credit_state IN ('none', 'charged', 'refunding', 'refunded'));

-- Superseded: heal gained p_lease_ms.
DROP FUNCTION IF EXISTS jobgate_heal(jsonb, bigint, bigint, bigint, bigint, text);

-- Refunds heal still owes (charged) or whose claimer may have died (refunding): a small
-- partial index, so heal never reads the job history (replaces 006's charged-only index).
DROP INDEX IF EXISTS jobgate_jobs_refund_owed_idx;
CREATE INDEX IF NOT EXISTS jobgate_jobs_refunds_owed_idx
  ON jobgate_jobs (created_at DESC)
  WHERE credit_state IN ('charged', 'refunding') AND status IN ('failed', 'cancelled');
