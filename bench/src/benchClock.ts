import { setTimeout as sleepTimer } from 'node:timers/promises';
import type { WorkerContext } from './benchSystem.js';

/**
 * A clock shared by every process of a run: milliseconds since the epoch with sub-millisecond
 * resolution (`performance.timeOrigin` is taken from the system clock when the process starts).
 */
export function benchNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The workload's job body: nothing for 0 ms (no timer), else a timer of `ms`. */
export async function jobBody(ms: number): Promise<void> {
  if (ms > 0) await sleepTimer(ms);
}

/** A pull system's job: the workload's body, recorded from its start to its end. */
export async function recordedBody(context: WorkerContext): Promise<void> {
  const start = benchNow();
  await jobBody(context.spec.bodyMs);
  context.record({ start, end: benchNow() });
}

export function sleep(ms: number): Promise<void> {
  return sleepTimer(ms);
}
