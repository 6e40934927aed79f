-- The app's own tables, next to jobgate's. An example: each user's credit balance, which the
-- front end shows (users read only their own row; only the service role writes).
create table if not exists public.credits (
  user_id uuid primary key,
  balance integer not null default 0 check (balance >= 0),
  updated_at timestamptz not null default now()
);
alter table public.credits enable row level security;
revoke all on table public.credits from public, anon, authenticated;
grant select on table public.credits to authenticated;
grant select, insert, update, delete on table public.credits to service_role;
drop policy if exists credits_read_own on public.credits;
create policy credits_read_own on public.credits
  for select to authenticated using (user_id = (select auth.uid()));

-- Storage for job inputs: a private bucket; the browser uploads under
-- {tool}/{user id}/{job id}/{file} (the path storageUploader uses), and a user may write and
-- read only inside their own folder. The function reads with the service role.
-- (Skipped where there is no Storage schema, e.g. a plain PostgreSQL for local runs.)
do $$
begin
  if to_regclass('storage.buckets') is null then
    raise notice 'no Supabase Storage here: bucket job-inputs not created';
    return;
  end if;
  insert into storage.buckets (id, name, public, file_size_limit)
  values ('job-inputs', 'job-inputs', false, 30 * 1024 * 1024)
  on conflict (id) do nothing;

  drop policy if exists job_inputs_insert_own on storage.objects;
  create policy job_inputs_insert_own on storage.objects
    for insert to authenticated
    with check (bucket_id = 'job-inputs'
                and (storage.foldername(name))[2] = (select auth.uid())::text);
  drop policy if exists job_inputs_read_own on storage.objects;
  create policy job_inputs_read_own on storage.objects
    for select to authenticated
    using (bucket_id = 'job-inputs'
           and (storage.foldername(name))[2] = (select auth.uid())::text);
end;
$$;
