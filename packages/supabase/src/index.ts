export {
  type FunctionsTransportOptions,
  functionsError,
  functionsTransport,
} from './functionsTransport.js';
export { JOB_COLUMNS } from './jobColumns.js';
export { jobGateErrorFromPostgrest, type PostgrestErrorLike } from './postgrestError.js';
export { type RealtimeJobSourceOptions, realtimeJobSource } from './realtimeJobSource.js';
export { signHs256Jwt } from './signHs256Jwt.js';
export { type StorageUploaderOptions, storageUploader } from './storageUploader.js';
export { type SupabaseCreditSourceOptions, supabaseCreditSource } from './supabaseCreditSource.js';
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
