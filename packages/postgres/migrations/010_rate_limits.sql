-- jobgate 010 (rate_limits): the per-user rate limits move here from @jobgate/server and the
-- Supabase migration: the jobgate_rate_limits table (jobgate_rate_limit_hit and
-- jobgate_rate_limit_prune are in sql/rateLimits.sql).

CREATE TABLE IF NOT EXISTS jobgate_rate_limits (
  key           text    PRIMARY KEY,
  window_ms     bigint  NOT NULL,
  window_start  bigint  NOT NULL,
  hits          integer NOT NULL,
  previous_hits integer NOT NULL DEFAULT 0
);
