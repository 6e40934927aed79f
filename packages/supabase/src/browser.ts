// The browser's part of @jobgate/supabase: what a front end needs (the function through
// functions.invoke, Realtime updates, Storage uploads, the credit balance), with nothing that
// reaches Node-only code. The main entry also exports SupabaseStore, which pulls in
// @jobgate/postgres and, through it, the `postgres` driver a bundler cannot build for a browser.
export {
  type FunctionsTransportOptions,
  functionsError,
  functionsTransport,
} from './functionsTransport.js';
export { type RealtimeJobSourceOptions, realtimeJobSource } from './realtimeJobSource.js';
export { type StorageUploaderOptions, storageUploader } from './storageUploader.js';
export { type SupabaseCreditSourceOptions, supabaseCreditSource } from './supabaseCreditSource.js';
