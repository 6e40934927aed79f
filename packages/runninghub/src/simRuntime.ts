import { seededRandom } from '@jobgate/core/testing';

type Timer = ReturnType<typeof setTimeout>;

/**
 * What every part of the simulator shares: the one seeded generator (so the same calls
 * give the same answers), its timers and in-flight work (so close() stops everything),
 * and its URL once it listens.
 */
export class SimRuntime {
  readonly random: () => number;
  /** Set by close(): timers no longer fire and no task changes state. */
  closed = false;
  /** `http://host:port`, known once the server listens. */
  baseUrl = '';
  readonly #timers = new Set<Timer>();
  readonly #inFlight = new Set<Promise<void>>();

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  /** A whole number of ms drawn in `range` (or `fallback`); always draws, even for [0, 0]. */
  between(range: readonly [number, number] | undefined, fallback: [number, number]): number {
    const [lo, hi] = range ?? fallback;
    return Math.round(lo + (hi - lo) * this.random());
  }

  later(ms: number, fn: () => void): Timer {
    const handle = setTimeout(() => {
      this.#timers.delete(handle);
      if (!this.closed) fn();
    }, ms);
    this.#timers.add(handle);
    return handle;
  }

  cancelTimers(handles: Iterable<Timer>): void {
    for (const handle of handles) {
      clearTimeout(handle);
      this.#timers.delete(handle);
    }
  }

  /** Keeps `work` (a callback delivery, an output being made) until it settles. */
  track(work: Promise<void>): void {
    const promise = work.finally(() => this.#inFlight.delete(promise));
    this.#inFlight.add(promise);
  }

  /** Waits for the work in flight now. */
  async drain(): Promise<void> {
    await Promise.all([...this.#inFlight]);
  }

  /** Waits until no work is in flight, including work started meanwhile. */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const handle of this.#timers) clearTimeout(handle);
    this.#timers.clear();
    await Promise.allSettled([...this.#inFlight]);
  }
}
