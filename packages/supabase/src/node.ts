import type { SupabaseClientOptions } from '@supabase/supabase-js';
import WebSocket from 'ws';

/**
 * supabase-js options that work on Node 20: Realtime needs a WebSocket constructor, which
 * Node has only from 22 on (`createClient` throws "Node.js 20 detected without native
 * WebSocket support" otherwise). Passes `ws` as `realtime.transport` when
 * `globalThis.WebSocket` is missing; a transport you set yourself is kept.
 */
export function withNodeRealtime<SchemaName extends string = 'public'>(
  options: SupabaseClientOptions<SchemaName> = {},
): SupabaseClientOptions<SchemaName> {
  const hasNative = typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function';
  if (hasNative || options.realtime?.transport) return options;
  return {
    ...options,
    realtime: {
      ...options.realtime,
      transport: WebSocket as unknown as NonNullable<
        NonNullable<SupabaseClientOptions<SchemaName>['realtime']>['transport']
      >,
    },
  };
}

export { SUPABASE_MIGRATION_NAME, supabaseMigration } from './supabaseMigration.js';
