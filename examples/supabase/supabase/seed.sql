-- Demo data, applied after the migrations by `supabase db reset` (and by `npm run dev`).
-- Credits for two demo users, granted through jobgate's ledger (the one the function charges):
-- 500 for alice@example.com, 120 for bob@example.com (less than a Video Upscaler run, 150).
-- The ids are the ones the local stand-in's sign-in gives those e-mails; on a Supabase
-- project, users get their credits from the sign-up grant (migration 20260201000100_app.sql),
-- and an operator grants more with jobgate_credits_grant (docs/credits.md). Granted once: a
-- second run of this file adds nothing.
select public.jobgate_credits_grant(demo.user_id, 'lifetime', demo.amount, 'seed: demo credits')
  from (values ('ff8d9819-fc0e-42bf-8d24-892e45987e24', 500),
               ('5ff860bf-1190-496c-b188-ab851db691f0', 120)) as demo (user_id, amount)
 where not exists (select 1 from public.jobgate_credit_ledger l
                    where l.user_id = demo.user_id and l.note = 'seed: demo credits');
