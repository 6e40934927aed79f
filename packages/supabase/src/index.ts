// The server side of jobgate on Supabase: the store, the JWT authenticator, the rate counter
// and the file storage a function or a Node server wires into a JobRunner. The browser's part
// is `./browser`, the edge function factory `./function`; the doubles are behind entries that
// say so: `./function-simulated` (the simulated provider) and `./local` (the development
// stand-in of a Supabase project).
export { JOB_COLUMNS } from './jobColumns.js';
export { jobGateErrorFromPostgrest, type PostgrestErrorLike } from './postgrestError.js';
export { signHs256Jwt } from './signHs256Jwt.js';
export { type SupabaseFileStorageOptions, supabaseFileStorage } from './supabaseFileStorage.js';
export {
  type SupabaseJwtAuthenticatorOptions,
  supabaseJwtAuthenticator,
} from './supabaseJwtAuthenticator.js';
export { supabaseRateCounter } from './supabaseRateCounter.js';
export {
  createSupabaseStore,
  SupabaseStore,
  type SupabaseStoreOptions,
} from './supabaseStore.js';
