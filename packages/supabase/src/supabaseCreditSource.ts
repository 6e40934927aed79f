import type { CreditBalance } from '@jobgate/core/adapter';
import type { SupabaseClient } from '@supabase/supabase-js';
import { jobGateErrorFromPostgrest } from './postgrestError.js';

export interface SupabaseCreditSourceOptions {
  /** The signed-in user's id (the `sub` of the token): names the balance and filters Realtime. */
  userId: string;
  schema?: string;
}

/**
 * The signed-in user's credits for `useCredits()` of `@jobgate/react/credits`: read from
 * `jobgate_credit_balances` (RLS lets a user read only their own rows) and followed through
 * Supabase Realtime (the table is in the `supabase_realtime` publication).
 */
export function supabaseCreditSource(
  client: Pick<SupabaseClient, 'schema' | 'channel' | 'removeChannel'>,
  options: SupabaseCreditSourceOptions,
) {
  const schema = options.schema ?? 'public';
  let counter = 0;
  return {
    async read(): Promise<CreditBalance> {
      const { data, error, status } = await client
        .schema(schema)
        .from('jobgate_credit_balances')
        .select('bucket,amount')
        .eq('user_id', options.userId);
      if (error) throw jobGateErrorFromPostgrest(error, status);
      const buckets: Record<string, number> = {};
      for (const row of (data ?? []) as { bucket: string; amount: number | string }[])
        buckets[row.bucket] = Number(row.amount);
      const total = Object.values(buckets).reduce((sum, n) => sum + n, 0);
      return { userId: options.userId, total, buckets };
    },
    subscribe(onChange: () => void): () => void {
      const channel = client.channel(`jobgate:credits:${options.userId}:${++counter}`);
      channel
        .on(
          'postgres_changes',
          {
            event: '*',
            schema,
            table: 'jobgate_credit_balances',
            filter: `user_id=eq.${options.userId}`,
          },
          () => onChange(),
        )
        .subscribe();
      return () => void client.removeChannel(channel);
    },
  };
}
