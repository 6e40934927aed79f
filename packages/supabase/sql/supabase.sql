-- jobgate for Supabase: what a Supabase project adds to the @jobgate/postgres migrations.
-- Runs in the schema the jobs table lives in (public by default). Idempotent.

-- The rate limits (jobgate_rate_limits, jobgate_rate_limit_hit for supabaseRateCounter's
-- `.rpc`) come with the @jobgate/postgres migrations (sql/rateLimits.sql there); here they
-- get RLS and privileges like every other table.

-- Row level security: users read only their own jobs; only the service role changes state
-- (there is no insert, update or delete policy for anyone else).
alter table jobgate_jobs enable row level security;
alter table jobgate_rate_limits enable row level security;

revoke all on table jobgate_jobs from public, anon, authenticated;
revoke all on table jobgate_rate_limits from public, anon, authenticated;
grant select on table jobgate_jobs to authenticated;
grant select, insert, update, delete on table jobgate_jobs to service_role;
grant select, insert, update, delete on table jobgate_rate_limits to service_role;

drop policy if exists jobgate_jobs_read_own on jobgate_jobs;
create policy jobgate_jobs_read_own on jobgate_jobs
  for select to authenticated
  using (user_id = (select auth.uid())::text);

-- The service role bypasses RLS on Supabase; the policy keeps it working where it does not.
drop policy if exists jobgate_jobs_service on jobgate_jobs;
create policy jobgate_jobs_service on jobgate_jobs
  for all to service_role using (true) with check (true);
drop policy if exists jobgate_rate_limits_service on jobgate_rate_limits;
create policy jobgate_rate_limits_service on jobgate_rate_limits
  for all to service_role using (true) with check (true);

-- Credits: users read their own balance and ledger; every change goes through the credit
-- functions, which only the service role may execute (below). No write policy for users.
alter table jobgate_credit_balances enable row level security;
alter table jobgate_credit_ledger enable row level security;
alter table jobgate_provider_costs enable row level security;

revoke all on table jobgate_credit_balances, jobgate_credit_ledger, jobgate_provider_costs,
  jobgate_credit_margin from public, anon, authenticated;
grant select on table jobgate_credit_balances, jobgate_credit_ledger to authenticated;
grant select, insert, update, delete on table jobgate_credit_balances, jobgate_provider_costs
  to service_role;
-- The ledger is append-only for everyone (a trigger refuses UPDATE, DELETE and TRUNCATE).
grant select, insert on table jobgate_credit_ledger to service_role;
grant select on table jobgate_credit_margin to service_role;

drop policy if exists jobgate_credit_balances_read_own on jobgate_credit_balances;
create policy jobgate_credit_balances_read_own on jobgate_credit_balances
  for select to authenticated
  using (user_id = (select auth.uid())::text);
drop policy if exists jobgate_credit_ledger_read_own on jobgate_credit_ledger;
create policy jobgate_credit_ledger_read_own on jobgate_credit_ledger
  for select to authenticated
  using (user_id = (select auth.uid())::text);
drop policy if exists jobgate_credit_balances_service on jobgate_credit_balances;
create policy jobgate_credit_balances_service on jobgate_credit_balances
  for all to service_role using (true) with check (true);
drop policy if exists jobgate_credit_ledger_service on jobgate_credit_ledger;
create policy jobgate_credit_ledger_service on jobgate_credit_ledger
  for all to service_role using (true) with check (true);
drop policy if exists jobgate_provider_costs_service on jobgate_provider_costs;
create policy jobgate_provider_costs_service on jobgate_provider_costs
  for all to service_role using (true) with check (true);

-- The SQL functions and sequences: executable / usable by the service role only. Supabase's
-- default privileges grant EXECUTE on new functions to anon and authenticated, so revoke.
do $$
declare
  r record;
begin
  for r in
    select c.oid::regclass as seq from pg_class c
     where c.relkind = 'S' and c.relnamespace = current_schema()::regnamespace
       and c.relname like 'jobgate\_%'
  loop
    execute format('revoke all on sequence %s from public, anon, authenticated', r.seq);
    execute format('grant usage, select, update on sequence %s to service_role', r.seq);
  end loop;
  for r in
    select p.oid::regprocedure as fn from pg_proc p
     where p.pronamespace = current_schema()::regnamespace and p.proname like 'jobgate\_%'
  loop
    execute format('revoke all on function %s from public, anon, authenticated', r.fn);
    execute format('grant execute on function %s to service_role', r.fn);
  end loop;
end;
$$;

-- Positions are computed when read (never stored: a promotion writes one row). Users read
-- their jobs through this view: RLS of the table applies (security_invoker); the place in
-- the queue is counted by a SECURITY DEFINER function that sees the whole queue and returns
-- only a number.
create or replace function jobgate_queue_place(p_pool text, p_queue_seq bigint) returns integer
language sql stable security definer set search_path from current as $$
  select count(*)::integer from jobgate_jobs q
   where q.status = 'queued' and q.pool = p_pool and q.queue_seq <= p_queue_seq
$$;
revoke all on function jobgate_queue_place(text, bigint) from public, anon;
grant execute on function jobgate_queue_place(text, bigint) to authenticated, service_role;

create or replace view jobgate_jobs_view with (security_invoker = true) as
  select j.id, j.tool, j.user_id, j.pool, j.status, j.input, j.output, j.waited_in_queue,
         case when j.status = 'queued' and j.waited_in_queue and j.queue_seq is not null
              then jobgate_queue_place(j.pool, j.queue_seq) end as position,
         j.task_id, j.user_credit_cost, j.credit_state, j.error_code, j.error_message,
         j.progress, j.attempts, j.retry_at, j.created_at, j.queued_at, j.started_at,
         j.completed_at, j.updated_at, j.row_seq, j.provider_input
    from jobgate_jobs j;
revoke all on table jobgate_jobs_view from public, anon, authenticated;
grant select on table jobgate_jobs_view to authenticated, service_role;

-- One small row per pool, touched once per transaction in which the pool's queue moved (a
-- job left it, or went back in at its head). It is in the Realtime publication: a waiting
-- browser listens to its pool's row and re-reads its own position, so a promotion costs
-- O(1) Realtime messages however long the queue is.
create table if not exists jobgate_queue_moves (
  pool     text        primary key,
  moves    bigint      not null default 0,
  moved_at timestamptz not null
);
alter table jobgate_queue_moves enable row level security;
revoke all on table jobgate_queue_moves from public, anon, authenticated;
grant select on table jobgate_queue_moves to authenticated;
grant select, insert, update, delete on table jobgate_queue_moves to service_role;
drop policy if exists jobgate_queue_moves_read on jobgate_queue_moves;
create policy jobgate_queue_moves_read on jobgate_queue_moves for select to authenticated using (true);
drop policy if exists jobgate_queue_moves_service on jobgate_queue_moves;
create policy jobgate_queue_moves_service on jobgate_queue_moves
  for all to service_role using (true) with check (true);

create or replace function jobgate_touch_queue_moves() returns trigger
language plpgsql security definer set search_path from current as $$
begin
  -- One row per pool: clock_timestamp() differs per row, so it is read after the distinct
  -- (a statement that moves two jobs of a pool must not upsert that pool twice).
  insert into jobgate_queue_moves as m (pool, moves, moved_at)
  select p.pool, 1, clock_timestamp()
    from (select distinct n.pool
            from jobgate_after n join jobgate_before o on o.id = n.id
           where (o.status = 'queued' and n.status <> 'queued')
              or (n.status = 'queued' and n.queue_seq < 0 and o.queue_seq is distinct from n.queue_seq)) p
  on conflict (pool) do update set moves = m.moves + 1, moved_at = excluded.moved_at;
  return null;
end;
$$;
revoke all on function jobgate_touch_queue_moves() from public, anon, authenticated;
drop trigger if exists jobgate_jobs_queue_moves on jobgate_jobs;
create trigger jobgate_jobs_queue_moves
  after update on jobgate_jobs referencing old table as jobgate_before new table as jobgate_after
  for each statement execute function jobgate_touch_queue_moves();

-- Realtime: the jobs table in the supabase_realtime publication (skipped where there is no
-- such publication, e.g. a plain PostgreSQL; a no-op when the table is in it already).
do $$
begin
  if exists (select 1 from pg_publication where pubname = 'supabase_realtime')
     and not exists (
       select 1 from pg_publication_tables
        where pubname = 'supabase_realtime'
          and schemaname = current_schema() and tablename = 'jobgate_jobs')
  then
    execute format('alter publication supabase_realtime add table %I.jobgate_jobs', current_schema());
  end if;
  if exists (select 1 from pg_publication where pubname = 'supabase_realtime')
     and not exists (
       select 1 from pg_publication_tables
        where pubname = 'supabase_realtime'
          and schemaname = current_schema() and tablename = 'jobgate_queue_moves')
  then
    execute format('alter publication supabase_realtime add table %I.jobgate_queue_moves', current_schema());
  end if;
  -- Balances too, so useCredits() follows a user's balance live (RLS: own rows only).
  if exists (select 1 from pg_publication where pubname = 'supabase_realtime')
     and not exists (
       select 1 from pg_publication_tables
        where pubname = 'supabase_realtime'
          and schemaname = current_schema() and tablename = 'jobgate_credit_balances')
  then
    execute format('alter publication supabase_realtime add table %I.jobgate_credit_balances', current_schema());
  end if;
end;
$$;
