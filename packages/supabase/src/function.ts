export {
  type Env,
  type SupabaseFunction,
  type SupabaseFunctionOptions,
  supabaseFunction,
} from './supabaseFunction.js';
