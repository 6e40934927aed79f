'use client';
import { type JobGateError, toJobGateError } from '@jobgate/core/client';
import { useCallback, useEffect, useState } from 'react';

export interface ServerValue<T> {
  /** The last answer; null before the first (or when `key` is null). */
  readonly data: T | null;
  readonly error: JobGateError | null;
  /** Asks again (e.g. for fresh URLs once they expired). */
  refresh(): void;
}

/**
 * One value read from the server for `key` (null: nothing to read): read again when `key`
 * changes or on `refresh()`; an answer for an older key or after unmount is dropped.
 */
export function useServerValue<T>(
  key: string | null,
  read: (signal: AbortSignal) => Promise<T>,
): ServerValue<T> {
  const [state, setState] = useState<{
    key: string | null;
    data: T | null;
    error: JobGateError | null;
  }>({
    key: null,
    data: null,
    error: null,
  });
  const [round, setRound] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `read` closes over what `key` names
  useEffect(() => {
    if (key === null) return;
    const controller = new AbortController();
    read(controller.signal).then(
      (data) => !controller.signal.aborted && setState({ key, data, error: null }),
      (error: unknown) =>
        !controller.signal.aborted &&
        setState({ key, data: null, error: toJobGateError(error, 'NETWORK_ERROR') }),
    );
    return () => controller.abort();
  }, [key, round]);
  const refresh = useCallback(() => setRound((n) => n + 1), []);
  const current = state.key === key && key !== null;
  return { data: current ? state.data : null, error: current ? state.error : null, refresh };
}
