import { type CreditsHandle, useCredits } from '@jobgate/react/credits';
import { supabaseCreditSource } from '@jobgate/supabase/browser';
import type { SupabaseClient } from '@supabase/supabase-js';
import { createContext, type ReactNode, useContext, useEffect, useMemo } from 'react';

const CreditsContext = createContext<CreditsHandle | null>(null);

/**
 * The signed-in user's credits for everything below it: jobgate's ledger
 * (`jobgate_credit_balances`, read under RLS: a user sees only their own rows), followed
 * through Realtime where the project publishes the table (the migration adds it).
 */
export function CreditsProvider(props: {
  supabase: SupabaseClient;
  userId: string;
  children: ReactNode;
}) {
  const { supabase, userId } = props;
  const source = useMemo(() => supabaseCreditSource(supabase, { userId }), [supabase, userId]);
  const credits = useCredits(source);
  return <CreditsContext.Provider value={credits}>{props.children}</CreditsContext.Provider>;
}

/** The balance of the nearest {@link CreditsProvider}. */
export function useBalance(): CreditsHandle {
  const credits = useContext(CreditsContext);
  if (!credits) throw new Error('useBalance must be used inside <CreditsProvider>');
  return credits;
}

/**
 * Reads the balance again whenever a job of the page changes state: the price is charged
 * when the job is submitted and refunded when it fails. The refund is written just after the
 * job's end, so a job that ended is read once more a moment later (where Realtime carries
 * `jobgate_credit_balances`, it brings the change by itself as well).
 */
export function useBalanceFollows(status: string): void {
  const { refresh } = useBalance();
  useEffect(() => {
    void refresh();
    if (status !== 'failed' && status !== 'completed') return;
    const again = setTimeout(() => void refresh(), 1_500);
    return () => clearTimeout(again);
  }, [status, refresh]);
}
