import { createRequire } from 'node:module';
import { benchNow } from './benchClock.js';
import type { SqlCounts } from './benchSystem.js';

const require = createRequire(import.meta.url);

/** A short label for a statement: its text with whitespace collapsed, cut to 60 characters. */
function label(text: unknown): string {
  if (typeof text !== 'string') return 'other';
  return text.replace(/\s+/g, ' ').trim().slice(0, 60) || 'other';
}

type Counted = (...args: unknown[]) => unknown;

/**
 * Counts the round trips the peers make, by patching the one `pg` Client (pg-boss,
 * graphile-worker and BullMQ's Postgres backend all use it) and ioredis's `sendCommand` in
 * this worker process. jobgate counts its own statements through its SQL client instead.
 */
export function installRoundTripCounter(): { reset(): void; read(): SqlCounts } {
  let counts: SqlCounts = { calls: {}, ms: {} };
  const add = (name: string, ms: number) => {
    counts.calls[name] = (counts.calls[name] ?? 0) + 1;
    counts.ms[name] = (counts.ms[name] ?? 0) + ms;
  };
  const patch = (
    proto: Record<string, unknown>,
    method: string,
    name: (args: unknown[]) => string,
  ) => {
    const original = proto[method] as Counted;
    proto[method] = function (this: unknown, ...args: unknown[]) {
      const key = name(args);
      const t0 = benchNow();
      const result = original.apply(this, args);
      if (result instanceof Promise) {
        result.then(
          () => add(key, benchNow() - t0),
          () => add(key, benchNow() - t0),
        );
      } else add(key, 0);
      return result;
    };
  };
  try {
    const pg = require('pg') as { Client: { prototype: Record<string, unknown> } };
    patch(
      pg.Client.prototype,
      'query',
      ([query]) =>
        `sql: ${label(typeof query === 'object' && query !== null ? (query as { text?: unknown }).text : query)}`,
    );
  } catch {
    // pg not installed: nothing to count
  }
  try {
    const ioredis = require('ioredis') as { prototype: Record<string, unknown> };
    patch(
      ioredis.prototype,
      'sendCommand',
      ([command]) =>
        `redis: ${String((command as { name?: unknown } | undefined)?.name ?? 'other')}`,
    );
  } catch {
    // ioredis not installed
  }
  return {
    reset() {
      counts = { calls: {}, ms: {} };
    },
    read: () => counts,
  };
}
