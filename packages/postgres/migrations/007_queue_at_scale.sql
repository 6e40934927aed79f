-- jobgate 007 (queue_at_scale): positions computed when read (no renumbering), one
-- queue-moved notice per pool, the database clock for lifecycle timestamps, heal pool by pool
-- with indexes for what it scans, a finish that takes the provider's task id, a create that
-- can take the slot decision too. The functions are in sql/; here, what runs in order.

-- Superseded: positions are no longer stored (no renumbering), and promote_all takes a pool.
DROP FUNCTION IF EXISTS jobgate_renumber(text, timestamptz);
DROP FUNCTION IF EXISTS jobgate_promote_all(jsonb, timestamptz);
-- Superseded: finish gained p_task_id, create gained p_limits.
DROP FUNCTION IF EXISTS jobgate_finish(text, text, jsonb, text, text, jsonb, jsonb, bigint);
DROP FUNCTION IF EXISTS jobgate_create(text, text, text, text, jsonb, numeric, integer, bigint);
-- Superseded: heal gained p_pool.
DROP FUNCTION IF EXISTS jobgate_heal(jsonb, bigint, bigint, bigint, bigint);

-- Running jobs the provider never confirmed (START_LOST candidates).
CREATE INDEX IF NOT EXISTS jobgate_jobs_lost_start_idx
  ON jobgate_jobs (started_at) WHERE status = 'running' AND task_id IS NULL;
-- Queued jobs by enqueue time (TIMEOUT candidates).
CREATE INDEX IF NOT EXISTS jobgate_jobs_queued_at_idx
  ON jobgate_jobs (queued_at) WHERE status = 'queued';
-- Queued jobs in provider backoff (the start's "is the head waiting out a backoff" check).
CREATE INDEX IF NOT EXISTS jobgate_jobs_retry_idx
  ON jobgate_jobs (pool, retry_at) WHERE status = 'queued' AND retry_at IS NOT NULL;
-- Phantom queued rows: `queued` without a place in the queue (the old app's bug shape).
CREATE INDEX IF NOT EXISTS jobgate_jobs_phantom_idx
  ON jobgate_jobs (created_at) WHERE status = 'queued' AND queue_seq IS NULL;
