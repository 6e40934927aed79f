export type TimerHandle = { readonly __timer: unique symbol } | number | object;

/**
 * Time, injected: every time rule of jobgate is tested with the `FakeClock` of
 * `@jobgate/core/testing`.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    // A pending heal or retry timer must never keep a Node process alive.
    (handle as { unref?: () => void }).unref?.();
    return handle as unknown as TimerHandle;
  },
  clearTimeout: (handle) => clearTimeout(handle as unknown as ReturnType<typeof setTimeout>),
};
