// Node only: a Supabase project on a plain PostgreSQL, for development without the Supabase CLI.
export {
  applyMigrations,
  devUserId,
  type LocalSupabase,
  type LocalSupabaseOptions,
  SUPABASE_BASICS,
  startLocalSupabase,
} from './local/localSupabase.js';
