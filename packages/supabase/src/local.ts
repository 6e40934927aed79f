/**
 * A development stand-in, not for production: a Supabase project (PostgREST, Realtime, Storage,
 * Auth's sign-in, the functions gateway) on a plain PostgreSQL or PGlite, in Node, for local
 * runs and tests without the Supabase CLI. Its sign-in takes any password: never expose it.
 *
 * @packageDocumentation
 */
export {
  applyMigrations,
  devUserId,
  type LocalSupabase,
  type LocalSupabaseOptions,
  SUPABASE_BASICS,
  startLocalSupabase,
} from './local/localSupabase.js';
