/** A tiny observable value: what `useSyncExternalStore` (and any UI) needs. */
export interface ReadableStore<T> {
  /** The current snapshot. The same object until the value changes (snapshots are immutable). */
  getSnapshot(): T;
  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

export interface StateStore<T> extends ReadableStore<T> {
  set(next: T): void;
  /** How many listeners are subscribed (to check that a UI cleaned up). */
  readonly listenerCount: number;
}

/** Creates a {@link StateStore}. Every value set is frozen, so a snapshot never changes under a reader. */
export function createStateStore<T extends object>(initial: T): StateStore<T> {
  let state = Object.freeze(initial);
  const listeners = new Set<() => void>();
  return {
    getSnapshot: () => state,
    subscribe(listener) {
      // A wrapper per call, so subscribing the same function twice needs two unsubscribes.
      const entry = () => listener();
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
    set(next) {
      if (next === state) return;
      state = Object.freeze(next);
      for (const listener of [...listeners]) listener();
    },
    get listenerCount() {
      return listeners.size;
    },
  };
}
