// The bad calls of badInput.test.ts, one per refusal of a jobgate SQL function: each must
// fail with its code and change nothing. They run against the jobs the test sets up first
// (`run` running with task T-run, `que` queued, `sta` starting, `done` failed).
import type { JobStore } from '@jobgate/core';
import type { FinishOutcome, NewJob, SlotLimits } from '@jobgate/core/adapter';

export const T0 = Date.UTC(2026, 0, 1, 12);
export const limits: SlotLimits = {
  poolCaps: { default: 1 },
  defaultPoolCap: 1,
  toolCaps: {},
  maxRunningPerUser: null,
};
export const nul = <T>(): T => null as unknown as T;
export const newJob = (id: string, userId: string, over: Partial<NewJob> = {}): NewJob => ({
  id,
  tool: 'upscaler',
  userId,
  pool: 'default',
  input: { image: 'a.webp' },
  userCreditCost: 60,
  ...over,
});

export type Case = [label: string, code: string, call: (s: JobStore) => Promise<unknown>];

export const cases: Case[] = [
  // create
  [
    'create: null id',
    'VALIDATION',
    (s) => s.create(newJob(nul(), 'x'), { maxActivePerUser: 1, now: T0 }),
  ],
  [
    'create: null user',
    'VALIDATION',
    (s) => s.create(newJob('n1', nul()), { maxActivePerUser: 1, now: T0 }),
  ],
  [
    'create: null tool',
    'VALIDATION',
    (s) => s.create(newJob('n1', 'x', { tool: nul() }), { maxActivePerUser: 1, now: T0 }),
  ],
  [
    'create: input not an object',
    'VALIDATION',
    (s) => s.create(newJob('n1', 'x', { input: nul() }), { maxActivePerUser: 1, now: T0 }),
  ],
  [
    'create: negative cost',
    'VALIDATION',
    (s) => s.create(newJob('n1', 'x', { userCreditCost: -1 }), { maxActivePerUser: 1, now: T0 }),
  ],
  [
    'create: max active 0',
    'VALIDATION',
    (s) => s.create(newJob('n1', 'x'), { maxActivePerUser: 0, now: T0 }),
  ],
  [
    'create: id of another user',
    'CONFLICT',
    (s) => s.create(newJob('run', 'intruder'), { maxActivePerUser: 1, now: T0 }),
  ],
  [
    'create: id of another tool',
    'CONFLICT',
    (s) => s.create(newJob('run', 'u-run', { tool: 'veste-ai' }), { maxActivePerUser: 9, now: T0 }),
  ],
  [
    'create: user already active',
    'ACTIVE_JOB_EXISTS',
    (s) => s.create(newJob('n2', 'u-run'), { maxActivePerUser: 1, now: T0 }),
  ],
  // create_failed
  [
    'create_failed: null error code',
    'VALIDATION',
    (s) => s.createFailed(newJob('n3', 'x'), { errorCode: nul(), errorMessage: 'm' }, T0),
  ],
  [
    'create_failed: id of another user',
    'CONFLICT',
    (s) =>
      s.createFailed(
        newJob('run', 'intruder'),
        { errorCode: 'VALIDATION', errorMessage: 'VALIDATION: x' },
        T0,
      ),
  ],
  // get
  ['get: null id', 'VALIDATION', (s) => s.get(nul())],
  // start
  ['start: unknown job', 'NOT_FOUND', (s) => s.start('nope', { limits, now: T0 })],
  ['start: null id', 'VALIDATION', (s) => s.start(nul(), { limits, now: T0 })],
  ['start: a running job', 'INVALID_TRANSITION', (s) => s.start('run', { limits, now: T0 })],
  ['start: a queued job', 'INVALID_TRANSITION', (s) => s.start('que', { limits, now: T0 })],
  ['start: a completed job', 'INVALID_TRANSITION', (s) => s.start('done', { limits, now: T0 })],
  ['start: null limits', 'VALIDATION', (s) => s.start('sta', { limits: nul(), now: T0 })],
  [
    'start: cap 0',
    'VALIDATION',
    (s) => s.start('sta', { limits: { ...limits, defaultPoolCap: 0 }, now: T0 }),
  ],
  [
    'start: fractional tool cap',
    'VALIDATION',
    (s) => s.start('sta', { limits: { ...limits, toolCaps: { upscaler: 1.5 } }, now: T0 }),
  ],
  // A null p_now is not bad input: it means the database clock (databaseClock.test.ts).
  // attach_task
  ['attach_task: unknown job', 'NOT_FOUND', (s) => s.attachTask('nope', 'T', T0)],
  ['attach_task: a starting job', 'INVALID_TRANSITION', (s) => s.attachTask('sta', 'T', T0)],
  ['attach_task: a queued job', 'INVALID_TRANSITION', (s) => s.attachTask('que', 'T', T0)],
  ['attach_task: another task', 'CONFLICT', (s) => s.attachTask('run', 'T-other', T0)],
  ['attach_task: null task', 'VALIDATION', (s) => s.attachTask('run', nul(), T0)],
  // progress
  ['progress: unknown job', 'NOT_FOUND', (s) => s.progress('nope', 0.5, T0)],
  ['progress: above 1', 'VALIDATION', (s) => s.progress('run', 1.5, T0)],
  ['progress: NaN', 'VALIDATION', (s) => s.progress('run', Number.NaN, T0)],
  ['progress: a queued job', 'INVALID_TRANSITION', (s) => s.progress('que', 0.5, T0)],
  // requeue
  [
    'requeue: unknown job',
    'NOT_FOUND',
    (s) =>
      s.requeue('nope', {
        limits,
        now: T0,
        retryAt: T0,
        errorCode: 'PROVIDER_BUSY',
        errorMessage: 'PROVIDER_BUSY: x',
      }),
  ],
  [
    'requeue: a job with a task',
    'INVALID_TRANSITION',
    (s) =>
      s.requeue('run', {
        limits,
        now: T0,
        retryAt: T0,
        errorCode: 'PROVIDER_BUSY',
        errorMessage: 'PROVIDER_BUSY: x',
      }),
  ],
  [
    'requeue: a starting job',
    'INVALID_TRANSITION',
    (s) =>
      s.requeue('sta', {
        limits,
        now: T0,
        retryAt: T0,
        errorCode: 'PROVIDER_BUSY',
        errorMessage: 'PROVIDER_BUSY: x',
      }),
  ],
  [
    'requeue: null error code',
    'VALIDATION',
    (s) => s.requeue('run', { limits, now: T0, retryAt: T0, errorCode: nul(), errorMessage: 'x' }),
  ],
  [
    'requeue: null retry time',
    'VALIDATION',
    (s) =>
      s.requeue('run', {
        limits,
        now: T0,
        retryAt: nul(),
        errorCode: 'PROVIDER_BUSY',
        errorMessage: 'x',
      }),
  ],
  // finish
  [
    'finish: unknown job',
    'NOT_FOUND',
    (s) => s.finish('nope', { status: 'completed' }, { limits, now: T0 }),
  ],
  [
    'finish: complete a starting job',
    'INVALID_TRANSITION',
    (s) => s.finish('sta', { status: 'completed' }, { limits, now: T0 }),
  ],
  [
    'finish: complete a queued job',
    'INVALID_TRANSITION',
    (s) => s.finish('que', { status: 'completed' }, { limits, now: T0 }),
  ],
  [
    'finish: a non-terminal outcome',
    'VALIDATION',
    (s) => s.finish('run', { status: 'running' } as unknown as FinishOutcome, { limits, now: T0 }),
  ],
  [
    'finish: failed without a code',
    'VALIDATION',
    (s) =>
      s.finish(
        'run',
        { status: 'failed', errorCode: nul(), errorMessage: nul() },
        { limits, now: T0 },
      ),
  ],
  [
    'finish: a bad from',
    'VALIDATION',
    (s) =>
      s.finish('run', { status: 'completed' }, { limits, now: T0, from: ['flying' as 'running'] }),
  ],
  [
    'finish: null limits',
    'VALIDATION',
    (s) => s.finish('run', { status: 'completed' }, { limits: nul(), now: T0 }),
  ],
  // promote, heal
  ['promote: null limits', 'VALIDATION', (s) => s.promote({ limits: nul(), now: T0 })],
  [
    'heal: null windows',
    'VALIDATION',
    (s) =>
      s.heal({
        limits,
        now: T0 + 3_600_000,
        staleStartMs: nul(),
        lostStartMs: nul(),
        maxQueueMs: null,
      }),
  ],
  // credits
  [
    'set_credit_state: unknown job',
    'NOT_FOUND',
    (s) => s.setCreditState('nope', 'none', 'charged', T0),
  ],
  [
    'set_credit_state: unknown state',
    'VALIDATION',
    (s) => s.setCreditState('run', 'none', 'free' as 'charged', T0),
  ],
  // reads
  ['find_active: null user', 'VALIDATION', (s) => s.findActive(nul())],
  ['list: negative limit', 'VALIDATION', (s) => s.list({ limit: -1 })],
  ['counts: null pool', 'VALIDATION', (s) => s.counts(nul())],
];
