-- jobgate live SQL: change notices, from statement-level triggers. One NOTIFY per changed row
-- {"id","status","user_id"}, and one per pool whose queue moved {"pool","queue":"moved"}:
-- a job left the queue or went back in at its head, so the positions of the jobs waiting
-- behind changed (a job joining at the tail moves nobody). Waiting clients re-read their
-- own position on that notice: O(1) messages per promotion, whatever the queue's length.
-- PostgreSQL delivers identical payloads of one transaction once.
-- Channel: jobgate_jobs in the public schema, jobgate_jobs__<schema> elsewhere.

CREATE OR REPLACE FUNCTION jobgate_notify_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_channel text := CASE WHEN TG_TABLE_SCHEMA = 'public' THEN 'jobgate_jobs'
                         ELSE 'jobgate_jobs__' || TG_TABLE_SCHEMA END;
BEGIN
  PERFORM pg_notify(v_channel,
    json_build_object('id', c.id, 'status', c.status, 'user_id', c.user_id)::text)
  FROM jobgate_changed c;
  IF TG_OP = 'UPDATE' THEN
    PERFORM pg_notify(v_channel, json_build_object('pool', m.pool, 'queue', 'moved')::text)
      FROM (SELECT DISTINCT n.pool
              FROM jobgate_changed n JOIN jobgate_before o ON o.id = n.id
             WHERE (o.status = 'queued' AND n.status <> 'queued')
                OR (n.status = 'queued' AND n.queue_seq < 0
                    AND o.queue_seq IS DISTINCT FROM n.queue_seq)) m;
  END IF;
  RETURN NULL;
END;
$$;

-- jobgate_jobs_notify keeps its name (the UPDATE trigger), so tools that disable it by name
-- still silence the notices of updates.
CREATE OR REPLACE TRIGGER jobgate_jobs_notify
  AFTER UPDATE ON jobgate_jobs REFERENCING OLD TABLE AS jobgate_before NEW TABLE AS jobgate_changed
  FOR EACH STATEMENT EXECUTE FUNCTION jobgate_notify_changes();
CREATE OR REPLACE TRIGGER jobgate_jobs_notify_insert
  AFTER INSERT ON jobgate_jobs REFERENCING NEW TABLE AS jobgate_changed
  FOR EACH STATEMENT EXECUTE FUNCTION jobgate_notify_changes();
