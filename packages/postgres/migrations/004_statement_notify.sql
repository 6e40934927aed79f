-- jobgate 004: the change notices come from statement-level triggers. Still one NOTIFY per
-- changed row with the same payload {"id","status","user_id"}, but one trigger call per
-- statement: renumbering a long queue (every queued row's position moves) costs about a
-- third less than with a row trigger. The triggers and their function are in sql/notify.sql;
-- here, the row trigger of 001 and its function go.

DROP TRIGGER IF EXISTS jobgate_jobs_notify ON jobgate_jobs;
DROP FUNCTION IF EXISTS jobgate_notify_change();
