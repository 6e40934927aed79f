import { createClient } from '@supabase/supabase-js';

/** The project: its URL and anon key come from the environment (see vite.config.ts). */
export const supabase = createClient(
  import.meta.env.VITE_SUPABASE_URL,
  import.meta.env.VITE_SUPABASE_ANON_KEY,
);
