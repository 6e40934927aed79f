import { JobGateError } from './errors.js';
import type { Job } from './job.js';
import { type AnyTool, DEFAULT_POOL } from './tool.js';

/**
 * The caps a store enforces when it decides whether a job runs or queues. Plain data, so
 * a SQL store receives it as one JSON parameter.
 */
export interface SlotLimits {
  /** Cap of each named pool; a pool not listed gets `defaultPoolCap`. */
  poolCaps: Record<string, number>;
  defaultPoolCap: number;
  /** Per-tool running caps (from `defineTool({ maxConcurrent })`). */
  toolCaps: Record<string, number>;
  /** At most this many running jobs per user, or null for no per-user running cap. */
  maxRunningPerUser: number | null;
}

export interface SlotPolicyOptions {
  /** Running jobs across all tools of the default pool. Default 3. */
  globalCap?: number;
  /** Caps of other named pools (one per provider account, or per model). */
  pools?: Record<string, number>;
  /** Active (starting, queued or running) jobs a user may have. Default 1. */
  maxActivePerUser?: number;
  /** Running jobs a user may have. Default: no separate limit. */
  maxRunningPerUser?: number | null;
}

export interface SlotPolicy {
  readonly limits: SlotLimits;
  readonly maxActivePerUser: number;
}

const positiveInt = (value: number, name: string): number => {
  if (!(Number.isInteger(value) && value > 0)) {
    throw new JobGateError('VALIDATION', `${name} must be a positive integer, got ${value}`);
  }
  return value;
};

export function createSlotPolicy(
  options: SlotPolicyOptions = {},
  tools: Iterable<AnyTool> = [],
): SlotPolicy {
  const defaultPoolCap = positiveInt(options.globalCap ?? 3, 'globalCap');
  const poolCaps: Record<string, number> = { [DEFAULT_POOL]: defaultPoolCap };
  for (const [pool, cap] of Object.entries(options.pools ?? {}))
    poolCaps[pool] = positiveInt(cap, `pools.${pool}`);
  const toolCaps: Record<string, number> = {};
  for (const tool of tools) if (tool.maxConcurrent !== null) toolCaps[tool.id] = tool.maxConcurrent;
  const maxRunningPerUser = options.maxRunningPerUser ?? null;
  if (maxRunningPerUser !== null) positiveInt(maxRunningPerUser, 'maxRunningPerUser');
  return {
    limits: { poolCaps, defaultPoolCap, toolCaps, maxRunningPerUser },
    maxActivePerUser: positiveInt(options.maxActivePerUser ?? 1, 'maxActivePerUser'),
  };
}

export function poolCap(limits: SlotLimits, pool: string): number {
  return limits.poolCaps[pool] ?? limits.defaultPoolCap;
}

/** True if `job` may take a slot next to `running` under every cap. */
export function fitsCaps(
  job: Pick<Job, 'pool' | 'tool' | 'userId'>,
  running: readonly Job[],
  limits: SlotLimits,
): boolean {
  let inPool = 0;
  let ofTool = 0;
  let ofUser = 0;
  for (const r of running) {
    if (r.pool === job.pool) inPool++;
    if (r.tool === job.tool) ofTool++;
    if (r.userId === job.userId) ofUser++;
  }
  if (inPool >= poolCap(limits, job.pool)) return false;
  const toolCap = limits.toolCaps[job.tool];
  if (toolCap !== undefined && ofTool >= toolCap) return false;
  if (limits.maxRunningPerUser !== null && ofUser >= limits.maxRunningPerUser) return false;
  return true;
}

/** A queued job the provider turned away (busy) is not retried before its `retryAt`. */
function inBackoff(job: Pick<Job, 'retryAt'>, now: number): boolean {
  return job.retryAt !== null && Date.parse(job.retryAt) > now;
}

/**
 * The promotion walk, shared by every store (the SQL functions mirror it): in FIFO
 * order, claim each queued job that fits; stop at a job still in provider backoff
 * (the provider is full, everyone behind waits too) or when the pool is full; skip a
 * job held only by its tool or user cap.
 * `queue` is one pool's queue in order. Returns the jobs to claim, in order.
 */
export function selectPromotions(
  queue: readonly Job[],
  running: readonly Job[],
  limits: SlotLimits,
  now: number,
): Job[] {
  const claimed: Job[] = [];
  const all = [...running];
  for (const job of queue) {
    if (inBackoff(job, now)) break;
    if (fitsCaps(job, all, limits)) {
      claimed.push(job);
      all.push(job);
      continue;
    }
    const inPool = all.filter((r) => r.pool === job.pool).length;
    if (inPool >= poolCap(limits, job.pool)) break;
  }
  return claimed;
}

/** After promotions: a new job runs iff it fits and nobody in its pool waits on provider backoff. */
export function newJobRuns(
  job: Pick<Job, 'pool' | 'tool' | 'userId'>,
  queue: readonly Job[],
  running: readonly Job[],
  limits: SlotLimits,
  now: number,
): boolean {
  const backoff = queue.some((q) => q.pool === job.pool && inBackoff(q, now));
  return !backoff && fitsCaps(job, running, limits);
}
