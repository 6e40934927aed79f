'use client';
import {
  type JobGateError,
  type QueueAnswer,
  type QueueTransport,
  type SlotsAnswer,
  toJobGateError,
} from '@jobgate/core/client';
import { useEffect, useState } from 'react';
import { useJobGateConfig } from './jobGateProvider.js';

/** What {@link useSlots} and {@link useQueue} return. */
export interface PoolViewHandle<T> {
  /** The last answer; kept while a later request fails. */
  readonly data: T | null;
  /** The last request failed (null again after a success). */
  readonly error: JobGateError | null;
}

export interface PoolViewOptions {
  /** Polling interval. Default 2 s. */
  intervalMs?: number;
}

/**
 * Polls a pool route of the provider's transport, which must implement {@link QueueTransport}
 * (`fetchTransport` does). A request at a time; stops on unmount.
 */
function usePoolView<K extends keyof QueueTransport>(
  route: K,
  intervalMs = 2_000,
): PoolViewHandle<Awaited<ReturnType<QueueTransport[K]>>> {
  const { transport } = useJobGateConfig();
  const [view, setView] = useState<PoolViewHandle<Awaited<ReturnType<QueueTransport[K]>>>>({
    data: null,
    error: null,
  });
  useEffect(() => {
    // No abort: a request in flight at unmount ends on its own; its answer is dropped.
    let live = true;
    let timer: ReturnType<typeof setTimeout>;
    const load = (): unknown =>
      (transport as unknown as QueueTransport)
        [route]()
        .then(
          (data) => live && setView({ data: data as never, error: null }),
          (e: unknown) => live && setView((v) => ({ data: v.data, error: toJobGateError(e) })),
        )
        .then(() => {
          if (live) timer = setTimeout(load, intervalMs);
        });
    load();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [transport, route, intervalMs]);
  return view;
}

/** The pool's cap and its running and queued counts (`GET /slots`), polled. */
export function useSlots(options?: PoolViewOptions): PoolViewHandle<SlotsAnswer> {
  return usePoolView('slots', options?.intervalMs);
}

/**
 * The queue (`GET /queue`), polled: a user's own jobs with their positions and the pool's
 * counts; every job, and the ones that ended last, for an operator.
 */
export function useQueue(options?: PoolViewOptions): PoolViewHandle<QueueAnswer> {
  return usePoolView('queue', options?.intervalMs);
}
