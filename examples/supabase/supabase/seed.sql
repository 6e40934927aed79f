-- Demo data, applied after the migrations by `supabase db reset` (and by `npm run dev`).
-- Credits for two demo users. The ids are the ones the local stand-in's sign-in gives
-- alice@example.com and bob@example.com; on a Supabase project, use your users' ids
-- (Authentication → Users) or give credits when a user signs up.
insert into public.credits (user_id, balance) values
  ('ff8d9819-fc0e-42bf-8d24-892e45987e24', 500),
  ('5ff860bf-1190-496c-b188-ab851db691f0', 120)
on conflict (user_id) do update set balance = excluded.balance, updated_at = now();
