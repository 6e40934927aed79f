// The browser's part of @jobgate/supabase, and its only home: what a front end needs (the
// function through functions.invoke, Realtime updates, Storage uploads, the credit balance),
// with nothing that reaches Node-only code. The main entry is the server side (SupabaseStore
// pulls in @jobgate/postgres and, through it, database drivers a browser bundle cannot hold).
export {
  type FunctionsTransportOptions,
  functionsError,
  functionsTransport,
} from './functionsTransport.js';
export { type RealtimeJobSourceOptions, realtimeJobSource } from './realtimeJobSource.js';
export { type StorageUploaderOptions, storageUploader } from './storageUploader.js';
export { type SupabaseCreditSourceOptions, supabaseCreditSource } from './supabaseCreditSource.js';
