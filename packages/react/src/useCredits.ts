'use client';
import {
  type CreditBalance,
  type JobClient,
  type JobGateError,
  toJobGateError,
} from '@jobgate/core/client';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

/**
 * Where the browser reads the user's credits: `read` returns the balance (on Supabase, RLS
 * lets a user read only their own rows: `supabaseCreditSource` of @jobgate/supabase);
 * `subscribe`, where there is one, calls back when it may have changed (Realtime).
 */
export interface CreditSource {
  read(): Promise<CreditBalance>;
  subscribe?(onChange: () => void): () => void;
}

export interface CreditsHandle {
  /** The balance (total and buckets); null until the first read answers. */
  readonly balance: CreditBalance | null;
  readonly loading: boolean;
  readonly error: JobGateError | null;
  refresh(): Promise<void>;
}

export interface UseCreditsOptions {
  /**
   * Read again whenever this client's job changes state (charged at submit, refunded when
   * it fails), for sources without `subscribe`.
   */
  client?: Pick<JobClient, 'subscribe' | 'getSnapshot'>;
}

/** The user's credits, live through the source's subscription or the job's events. */
export function useCredits(source: CreditSource, options: UseCreditsOptions = {}): CreditsHandle {
  const { client } = options;
  const [state, setState] = useState<Omit<CreditsHandle, 'refresh'>>({
    balance: null,
    loading: true,
    error: null,
  });
  // Only the latest read may set the state: an older answer arriving late is dropped.
  const latest = useRef(0);
  const refresh = useCallback(async () => {
    const mine = ++latest.current;
    try {
      const balance = await source.read();
      if (mine === latest.current) setState({ balance, loading: false, error: null });
    } catch (error) {
      if (mine === latest.current)
        setState((s) => ({ ...s, loading: false, error: toJobGateError(error) }));
    }
  }, [source]);
  useEffect(() => {
    void refresh();
    const stop = source.subscribe?.(() => void refresh());
    let status = client?.getSnapshot().status;
    const unsubscribe = client?.subscribe(() => {
      const next = client.getSnapshot().status;
      if (next !== status) {
        status = next;
        void refresh();
      }
    });
    return () => {
      latest.current++;
      stop?.();
      unsubscribe?.();
    };
  }, [source, client, refresh]);
  return useMemo(() => ({ ...state, refresh }), [state, refresh]);
}
