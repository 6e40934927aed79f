-- The app's own part, next to jobgate's. Credits live in jobgate's ledger only
-- (jobgate_credit_balances / jobgate_credit_ledger of the previous migration: the function
-- charges a job's price there and refunds it there); this file adds what an app decides for
-- itself: the credits a new user starts with, and the Storage bucket of the jobs' files.

-- A new user's credits: 300 in the `lifetime` bucket, granted through the ledger when Supabase
-- Auth creates the user (a row in auth.users), so sign-up is never a free pass to the tools.
-- Change the amount or the bucket here; `monthly` credits are spent before `lifetime` ones
-- (PostgresBilling's default order). A user who already has ledger entries (the seed's demo
-- users, a user re-created by an import) gets nothing: the grant is one per user.
create or replace function public.app_grant_signup_credits() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if exists (select 1 from public.jobgate_credit_ledger where user_id = new.id::text) then
    return new;
  end if;
  perform public.jobgate_credits_grant(new.id::text, 'lifetime', 300, 'sign-up grant');
  return new;
end;
$$;
-- Only the trigger runs it (security definer: it may call the service-role-only grant).
revoke all on function public.app_grant_signup_credits() from public, anon, authenticated;

-- The trigger needs Supabase Auth's table. A plain PostgreSQL has none (the local run of
-- `npm run dev` makes a stand-in of it first, local/localAuthUsers.ts); without one the
-- grant is skipped here, and the seed's demo users have their credits from seed.sql.
do $$
begin
  if to_regclass('auth.users') is null then
    raise notice 'no auth.users here: the sign-up grant trigger is not created';
    return;
  end if;
  drop trigger if exists app_grant_signup_credits on auth.users;
  create trigger app_grant_signup_credits
    after insert on auth.users
    for each row execute function public.app_grant_signup_credits();
end;
$$;

-- Storage for the jobs' files: one private bucket, `job-files` (what the function's
-- JOBGATE_STORAGE_BUCKET defaults to). The browser uploads a job's inputs to
-- {tool}/{user id}/{job id}/{file} (storageUploader), and the function copies the job's
-- results beside them ({tool}/{user id}/{job id}/output-N.ext) before the job completes.
-- A user inserts and reads only inside their own folder (the second one) and changes nothing
-- there; the function works with the service role, which Storage lets past these policies.
-- No per-bucket size limit: results (a video) can be far larger than inputs, so the
-- project's limit applies ([storage] file_size_limit in config.toml, the plan's on a project);
-- the pages accept inputs up to 30 MB, what RunningHub takes.
-- (Skipped where there is no Storage schema, e.g. a plain PostgreSQL for local runs.)
do $$
begin
  if to_regclass('storage.buckets') is null then
    raise notice 'no Supabase Storage here: bucket job-files not created';
    return;
  end if;
  insert into storage.buckets (id, name, public)
  values ('job-files', 'job-files', false)
  on conflict (id) do nothing;

  drop policy if exists job_files_insert_own on storage.objects;
  create policy job_files_insert_own on storage.objects
    for insert to authenticated
    with check (bucket_id = 'job-files'
                and (storage.foldername(name))[2] = (select auth.uid())::text);
  drop policy if exists job_files_read_own on storage.objects;
  create policy job_files_read_own on storage.objects
    for select to authenticated
    using (bucket_id = 'job-files'
           and (storage.foldername(name))[2] = (select auth.uid())::text);
end;
$$;
