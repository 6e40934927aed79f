import type { Clock, TimerHandle } from '../ports/clock.js';

interface FakeTimer {
  id: number;
  at: number;
  fn: () => void;
}

/** A clock that moves only when told to. Timers fire in time order during {@link advance}. */
export class FakeClock implements Clock {
  #now: number;
  #timers: FakeTimer[] = [];
  #nextId = 1;

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.#nextId++, at: this.#now + Math.max(0, Math.round(ms)), fn };
    this.#timers.push(timer);
    return { id: timer.id };
  }

  clearTimeout(handle: TimerHandle): void {
    const id = (handle as { id?: number }).id;
    this.#timers = this.#timers.filter((t) => t.id !== id);
  }

  /** Pending timers. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing due timers in order (awaiting microtasks between). */
  async advance(ms: number): Promise<void> {
    const target = this.#now + Math.round(ms);
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.#timers[0];
      if (!next || next.at > target) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.fn();
      await flushMicrotasks();
    }
    this.#now = target;
    await flushMicrotasks();
  }

  /** Sets the time without firing timers (for tests of thresholds). */
  set(ms: number): void {
    this.#now = ms;
  }
}

/** Lets pending promise chains (and already-finished I/O callbacks) run to their end. */
function flushMicrotasks(): Promise<void> {
  const later: (fn: () => void) => void =
    typeof globalThis.setImmediate === 'function'
      ? globalThis.setImmediate
      : (fn) => setTimeout(fn, 0);
  return new Promise((resolve) => later(() => resolve()));
}
