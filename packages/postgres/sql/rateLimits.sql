-- jobgate live SQL: per-key rate limits, kept in the database so every instance of a
-- serverless function shares them. postgresRateCounter calls these functions through a
-- SqlClient, supabaseRateCounter (@jobgate/supabase) through supabase-js `.rpc`; the
-- decision (fixed window or sliding-window counter) is counterRateLimiter's, in
-- @jobgate/server. Keys are the handler's `{bucket}:{userId}`; times are ms since the epoch,
-- windows aligned to the epoch.
--
-- The table, jobgate_rate_limits, is created by migration 010.

-- One hit of a key in the fixed window starting at p_window_start, in one statement (an
-- upsert that rolls the window and counts: atomic under concurrency without a lock of its
-- own). Returns {"hits", "previousHits"}: the hits of this window and of the one before it
-- (0 unless that window is the one just before). A key whose window length changed starts
-- over.
CREATE OR REPLACE FUNCTION jobgate_rate_limit_hit(p_key text, p_window_ms bigint, p_window_start bigint)
RETURNS jsonb LANGUAGE sql SET search_path FROM CURRENT AS $$
  INSERT INTO jobgate_rate_limits AS r (key, window_ms, window_start, hits, previous_hits)
  VALUES (p_key, p_window_ms, p_window_start, 1, 0)
  ON CONFLICT (key) DO UPDATE SET
    previous_hits = CASE
      WHEN r.window_ms <> excluded.window_ms THEN 0
      WHEN r.window_start = excluded.window_start THEN r.previous_hits
      WHEN r.window_start = excluded.window_start - excluded.window_ms THEN r.hits
      ELSE 0 END,
    hits = CASE
      WHEN r.window_ms = excluded.window_ms AND r.window_start = excluded.window_start THEN r.hits + 1
      ELSE 1 END,
    window_ms = excluded.window_ms,
    window_start = excluded.window_start
  RETURNING jsonb_build_object('hits', r.hits, 'previousHits', r.previous_hits)
$$;

-- Deletes the counters older than two of their windows (they no longer weigh in any
-- decision); returns how many. For the maintenance route or a cron.
CREATE OR REPLACE FUNCTION jobgate_rate_limit_prune(p_now bigint) RETURNS integer
LANGUAGE sql SET search_path FROM CURRENT AS $$
  WITH gone AS (
    DELETE FROM jobgate_rate_limits WHERE window_start < p_now - 2 * window_ms RETURNING 1)
  SELECT count(*)::integer FROM gone
$$;
