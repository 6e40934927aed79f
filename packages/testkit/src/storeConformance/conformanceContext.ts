import { type Job, JobGateError, type JobStore } from '@jobgate/core';
import type { NewJob, SlotLimits } from '@jobgate/core/adapter';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { checkInvariants } from '../checkInvariants.js';
import { type StoreFactory, type StoreHarness, testJobId } from '../storeHarness.js';

const T0 = Date.UTC(2026, 0, 1, 12);
export const SEC = 1_000;

/** The default policy's limits (one pool of 3, no other cap), with `over` on top. */
export function limitsOf(over: Partial<SlotLimits> = {}): SlotLimits {
  return {
    poolCaps: { default: 3 },
    defaultPoolCap: 3,
    toolCaps: {},
    maxRunningPerUser: null,
    ...over,
  };
}

/**
 * What every topic of the conformance suite works with. `store`, `h` and `now` are reset
 * before each test, so topics read them through this object, never keep a copy.
 */
export interface ConformanceContext {
  readonly h: StoreHarness;
  readonly store: JobStore;
  /** The test's clock; tests move it forward. */
  now: number;
  readonly limits: SlotLimits;
  newJob(over?: Partial<NewJob>): NewJob;
  create(over?: Partial<NewJob>, maxActivePerUser?: number): ReturnType<JobStore['create']>;
  /** Creates and starts a job: running or queued. */
  submit(over?: Partial<NewJob>, lim?: SlotLimits): Promise<Job>;
  /** The row as the harness reads it, independently of the store. */
  row(id: string): Promise<Job | undefined>;
  invariants(lim?: SlotLimits): Promise<void>;
  expectCode(promise: Promise<unknown>, code: string): Promise<JobGateError>;
}

/** Registers the suite's setup hooks (one harness per suite, reset per test) in the caller's describe. */
export function conformanceContext(factory: StoreFactory): ConformanceContext {
  let h: StoreHarness | undefined;
  const harness = () => {
    if (!h) throw new Error('the store harness is not ready (used outside a test?)');
    return h;
  };
  const t: ConformanceContext = {
    get h() {
      return harness();
    },
    get store() {
      return harness().store;
    },
    now: T0,
    limits: limitsOf(),
    newJob: (over = {}) => ({
      id: testJobId(),
      tool: 'veste-ai',
      userId: `user-${testJobId().slice(-6)}`,
      pool: 'default',
      input: { person: 'a.webp', clothing: 'b.webp' },
      userCreditCost: 60,
      ...over,
    }),
    create: (over = {}, maxActivePerUser = 1) =>
      t.store.create(t.newJob(over), { maxActivePerUser, now: t.now }),
    submit: async (over = {}, lim = t.limits) => {
      const { job } = await t.create(over);
      return (await t.store.start(job.id, { limits: lim, now: t.now })).job;
    },
    row: async (id) => (await t.h.rows()).find((j) => j.id === id),
    invariants: async (lim = t.limits) =>
      expect(checkInvariants(await t.h.rows(), lim, t.now)).toEqual([]),
    expectCode: async (promise, code) => {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(JobGateError);
      expect((error as JobGateError).code).toBe(code);
      return error as JobGateError;
    },
  };
  beforeAll(async () => {
    h = await factory();
  });
  afterAll(async () => {
    await h?.close();
  });
  beforeEach(async () => {
    await harness().reset();
    t.now = T0;
  });
  return t;
}
