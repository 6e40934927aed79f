import { JobGateError, toJobGateError } from '../domain/errors.js';
import type { JobStore } from '../ports/jobStore.js';

/** How long a client waits before retrying after STORE_UNAVAILABLE. */
export const STORE_RETRY_AFTER_MS = 2_000;

/**
 * The store with a deadline on every call: a call that has not settled after `ms` rejects
 * with STORE_UNAVAILABLE (retryable, `retryAfterMs`), so an unreachable database turns into a
 * quick 503 instead of a request that hangs. The call itself is not undone: what it did (if
 * the database got it) is a normal state that heal and leases recover.
 */
export function withStoreDeadline(store: JobStore, ms: number): JobStore {
  if (!(ms > 0) || !Number.isFinite(ms)) return store;
  return new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      // Synchronous members (subscribe) and the shutdown keep their own behaviour.
      if (prop === 'subscribe' || prop === 'close' || prop === 'constructor')
        return fn.bind(target);
      return (...args: unknown[]) => {
        const result = fn.apply(target, args);
        if (!isThenable(result)) return result;
        return withinStoreDeadline(result, ms, String(prop));
      };
    },
  });
}

/**
 * `promise` within `ms`: past it, STORE_UNAVAILABLE (retryable, `retryAfterMs`) for
 * `operation`. One store call's deadline (withStoreDeadline), or a request's over all of its
 * calls (the server's read routes).
 */
export function withinStoreDeadline<T>(
  promise: PromiseLike<T>,
  ms: number,
  operation: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new JobGateError('STORE_UNAVAILABLE', `the database did not answer within ${ms} ms`, {
          retryAfterMs: STORE_RETRY_AFTER_MS,
          details: { operation },
        }),
      );
    }, ms);
    (timer as { unref?: () => void }).unref?.();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** True for an error that says the store could not be reached (retry later, nothing decided). */
export function isStoreUnavailable(error: unknown): boolean {
  return toJobGateError(error).code === 'STORE_UNAVAILABLE';
}
