// The random JobStore calls of the differential test (differential.test.ts): the
// operations, their weights, and the fixed values they pick from.
import type { JobStatus } from '@jobgate/core';
import type { SlotLimits } from '@jobgate/core/adapter';
import fc from 'fast-check';

export const T0 = Date.UTC(2026, 0, 1, 12);
export const TOOLS = ['upscaler', 'pose-changer', 'veste-ai', 'video-upscaler'];
export const POOLS = ['default', 'gpu2'];
export const PRESETS: SlotLimits[] = [
  { poolCaps: { default: 3 }, defaultPoolCap: 3, toolCaps: {}, maxRunningPerUser: null },
  {
    poolCaps: { default: 2, gpu2: 1 },
    defaultPoolCap: 2,
    toolCaps: { 'video-upscaler': 1 },
    maxRunningPerUser: 1,
  },
];
export const STATUSES: JobStatus[] = [
  'starting',
  'queued',
  'running',
  'completed',
  'failed',
  'cancelled',
];

export type Op =
  | { k: 'create'; user: number; tool: number; pool: number; maxActive: number }
  | { k: 'submit'; user: number; tool: number; pool: number }
  | { k: 'recreate'; pick: number; sameUser: boolean }
  | { k: 'createFailed'; user: number; tool: number }
  | { k: 'start'; pick: number }
  | { k: 'attach'; pick: number; task: number }
  | { k: 'progress'; pick: number; value: number }
  | { k: 'requeue'; pick: number; delay: number }
  | { k: 'finish'; pick: number; outcome: number; from: number }
  | { k: 'promote' }
  | { k: 'heal'; maxQueue: number | null; lease: number | null }
  | { k: 'renew'; pick: number; ms: number }
  | { k: 'claimRefund'; pick: number; staleMs: number }
  | { k: 'lateOutput'; pick: number; task: number }
  | { k: 'credit'; pick: number; from: number; to: number }
  | { k: 'advance'; ms: number }
  | { k: 'read'; which: number; arg: number };

export const pick = fc.nat({ max: 40 });
export const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      k: fc.constant('create' as const),
      user: fc.nat({ max: 5 }),
      tool: fc.nat({ max: 3 }),
      pool: fc.nat({ max: 1 }),
      maxActive: fc.integer({ min: 1, max: 2 }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant('submit' as const),
      user: fc.nat({ max: 7 }),
      tool: fc.nat({ max: 3 }),
      pool: fc.nat({ max: 1 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('recreate' as const), pick, sameUser: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('createFailed' as const),
      user: fc.nat({ max: 5 }),
      tool: fc.nat({ max: 3 }),
    }),
  },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('start' as const), pick }) },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant('attach' as const), pick, task: fc.nat({ max: 1 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('progress' as const),
      pick,
      value: fc.constantFrom(0, 0.25, 1, 1.5),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('requeue' as const),
      pick,
      delay: fc.constantFrom(0, 5_000, 30_000),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('finish' as const),
      pick,
      outcome: fc.nat({ max: 2 }),
      from: fc.nat({ max: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('promote' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('heal' as const),
      maxQueue: fc.constantFrom(null, 40_000),
      lease: fc.constantFrom(null, 15_000),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('renew' as const),
      pick,
      ms: fc.constantFrom(5_000, 15_000),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('claimRefund' as const),
      pick,
      staleMs: fc.constantFrom(1_000, 60_000),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('lateOutput' as const),
      pick,
      task: fc.nat({ max: 1 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('credit' as const),
      pick,
      from: fc.nat({ max: 3 }),
      to: fc.nat({ max: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('advance' as const),
      ms: fc.constantFrom(1, 1_000, 10_000, 20_000, 70_000),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('read' as const),
      which: fc.nat({ max: 5 }),
      arg: fc.nat({ max: 5 }),
    }),
  },
);

export const CREDITS = ['none', 'charged', 'refunding', 'refunded'] as const;
