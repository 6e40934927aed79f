'use client';
import { createJobClient, type JobClient, type JobClientState } from '@jobgate/core/client';
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { useJobGateConfig } from './jobGateProvider.js';

/**
 * A JobClient of this component, built from the provider's config, and its state. The
 * client is disposed on unmount (every subscription and timer stopped); building one has
 * no side effects, so StrictMode's double render and effect replay are harmless.
 */
export function useJobClient(): readonly [JobClient, JobClientState] {
  const config = useJobGateConfig();
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new client only when the ports change, not on every new config object
  const client = useMemo(
    () => createJobClient(config),
    [config.transport, config.updates, config.uploader, config.clock],
  );
  const state = useSyncExternalStore(client.subscribe, client.getSnapshot, client.getSnapshot);
  useEffect(() => () => client.dispose(), [client]);
  return [client, state] as const;
}

/** The state carries every outcome: an action whose promise nobody awaits must not reject unhandled. */
export const quiet = <T>(promise: Promise<T>): Promise<T> => {
  promise.catch(() => {});
  return promise;
};
