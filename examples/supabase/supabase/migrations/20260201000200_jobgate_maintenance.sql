-- Every minute, pg_cron calls the function's heal route through pg_net: it ends stale
-- jobs and asks RunningHub about running ones whose callback never came. The project URL and
-- the service role key are read from Vault at each run, so no secret lives in this file.
-- Store them once per project (SQL editor), see docs/supabase.md:
--   select vault.create_secret('https://<project-ref>.supabase.co', 'jobgate_project_url');
--   select vault.create_secret('<service role key>', 'jobgate_service_role_key');
-- (Skipped where pg_cron or pg_net is not available, e.g. a plain PostgreSQL for local runs:
-- there `npm run dev` calls the route on a timer.)
do $$
begin
  if not exists (select 1 from pg_available_extensions where name = 'pg_cron')
     or not exists (select 1 from pg_available_extensions where name = 'pg_net') then
    raise notice 'pg_cron or pg_net is not available: schedule POST /jobgate/heal another way';
    return;
  end if;
  create extension if not exists pg_cron;
  create extension if not exists pg_net with schema extensions;
  -- Scheduling under an existing name replaces that job, so this migration can run again.
  perform cron.schedule(
    'jobgate-maintenance',
    '* * * * *',
    $job$
    select net.http_post(
      url := (select decrypted_secret from vault.decrypted_secrets
               where name = 'jobgate_project_url') || '/functions/v1/jobgate/heal',
      headers := jsonb_build_object(
        'content-type', 'application/json',
        'authorization', 'Bearer ' || (select decrypted_secret from vault.decrypted_secrets
                                        where name = 'jobgate_service_role_key')),
      body := '{}'::jsonb,
      timeout_milliseconds := 25000
    )
    $job$
  );
end;
$$;
