import type { JobClientOptions } from '@jobgate/core/client';
import { functionsTransport, realtimeJobSource, storageUploader } from '@jobgate/supabase/browser';
import type { SupabaseClient } from '@supabase/supabase-js';

/**
 * jobgate on Supabase, for a signed-in user: the `jobgate` edge function through
 * functions.invoke, Realtime updates (polling when Realtime fails), inputs uploaded to the
 * `job-files` bucket under `{tool}/{user id}/{job id}/` (where the function keeps the job's
 * results too).
 */
export function jobgateConfig(supabase: SupabaseClient, userId: string): JobClientOptions {
  return {
    transport: functionsTransport(supabase),
    updates: realtimeJobSource(supabase),
    uploader: storageUploader(supabase, { bucket: 'job-files' }),
    userId,
    poll: { intervalMs: 2_000, maxIntervalMs: 10_000 },
  };
}
