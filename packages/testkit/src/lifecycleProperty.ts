import { type CreditLedger, isTerminal, type Job, JobGateError, JobRunner } from '@jobgate/core';
import { FakeClock, MemoryBilling } from '@jobgate/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from './checkInvariants.js';
import { invalidInputs, sampleInputs, testTools } from './fixtures/testTools.js';
import { ScriptedProvider, type StartAnswer } from './scriptedProvider.js';
import type { StoreFactory, StoreHarness } from './storeHarness.js';
import { testJobId } from './storeHarness.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const USERS = ['ana', 'bia', 'caio', 'duda', 'enzo', 'fabi'];
const TOOLS = testTools.map((t) => t.id);

interface Real {
  h: StoreHarness;
  runner: JobRunner;
  clock: FakeClock;
  provider: ScriptedProvider;
  billing: CreditLedger;
}

/** The reference model: which jobs exist, whose they are, and what each must be by now. */
interface Model {
  jobs: Map<string, { userId: string; tool: string }>;
  /** Jobs that must be terminal and stay as they are (status at the time they ended). */
  ended: Map<string, Job['status']>;
}

type Cmd = fc.AsyncCommand<Model, Real>;

const rowsOf = (r: Real) => r.h.rows();
const byId = async (r: Real, id: string) => (await rowsOf(r)).find((j) => j.id === id);
const codeOf = (e: unknown) =>
  e instanceof JobGateError ? e.code : `non-JobGateError: ${String(e)}`;

async function invariants(r: Real, m: Model): Promise<void> {
  const rows = await rowsOf(r);
  expect(checkInvariants(rows, r.runner.policy.limits, r.clock.now())).toEqual([]);
  // I5 is read from the ledger itself: its entries per job, and per user its sum.
  const byJob = new Map<string, { charges: number; refunds: number; net: number }>();
  for (const user of new Set(rows.map((j) => j.userId))) {
    const entries = await r.billing.entries({ userId: user, limit: 1_000_000 });
    const balance = await r.billing.balance(user);
    expect({ user, sum: entries.reduce((s, e) => s + e.amount, 0) }).toEqual({
      user,
      sum: balance.total,
    });
    for (const e of entries) {
      if (e.jobId === null) continue;
      const t = byJob.get(e.jobId) ?? { charges: 0, refunds: 0, net: 0 };
      if (e.kind === 'charge') t.charges++;
      if (e.kind === 'refund') t.refunds++;
      t.net += e.amount;
      byJob.set(e.jobId, t);
    }
  }
  for (const job of rows) {
    // I4 (no ghost): nothing is `starting` past its window once healing ran.
    const ended = m.ended.get(job.id);
    if (ended) expect({ id: job.id, status: job.status }).toEqual({ id: job.id, status: ended });
    // I5: charged at most once (the ledger is keyed by job), refunded exactly once on failure.
    const sums = byJob.get(job.id) ?? { charges: 0, refunds: 0, net: 0 };
    expect(sums.charges).toBeLessThanOrEqual(1);
    expect(sums.refunds).toBeLessThanOrEqual(sums.charges);
    if (sums.charges === 1) expect(job.creditState).not.toBe('none');
    const charged = sums.charges === 1;
    const refunded = sums.refunds === 1;
    if (refunded) expect(sums.net).toBe(0);
    else if (charged) expect(sums.net).toBe(-job.userCreditCost);
    if (job.status === 'failed' || job.status === 'cancelled') {
      expect({ id: job.id, charged, refunded, state: job.creditState }).toEqual({
        id: job.id,
        charged,
        refunded: charged,
        state: charged ? 'refunded' : job.creditState === 'refunded' ? 'refunded' : 'none',
      });
    }
    if (job.status === 'completed') expect(refunded).toBe(false);
    if (refunded) expect(charged).toBe(true);
  }
  // One active job per user (the default policy).
  const active = new Map<string, number>();
  for (const job of rows)
    if (!isTerminal(job.status)) active.set(job.userId, (active.get(job.userId) ?? 0) + 1);
  for (const [user, n] of active) expect({ user, n }).toEqual({ user, n: 1 });
}

function remember(m: Model, job: Job | undefined): void {
  if (job) {
    m.jobs.set(job.id, { userId: job.userId, tool: job.tool });
    if (isTerminal(job.status)) m.ended.set(job.id, job.status);
  }
}

class Submit implements Cmd {
  constructor(
    readonly user: string,
    readonly tool: string,
    readonly valid: boolean,
    readonly answer: StartAnswer,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const before = await rowsOf(r);
    const pool = before.filter((j) => j.pool === 'default');
    const running = pool.filter((j) => j.status === 'running').length;
    const queued = pool.filter((j) => j.status === 'queued');
    const backoff = queued.some((j) => j.retryAt !== null);
    const userActive = before.find((j) => j.userId === this.user && !isTerminal(j.status));
    const jobId = testJobId();
    r.provider.answers.length = 0;
    r.provider.script(this.answer);
    const input = this.valid
      ? sampleInputs[this.tool as keyof typeof sampleInputs]
      : invalidInputs[this.tool as keyof typeof invalidInputs];
    let result: Job | undefined;
    let error: unknown;
    try {
      result = await r.runner.submit({ jobId, tool: this.tool, userId: this.user, input });
    } catch (e) {
      error = e;
    }
    r.provider.answers.length = 0;
    const after = await byId(r, jobId);
    remember(m, after);
    // A refused request writes no row (refusals must not grow the table).
    if (!this.valid) {
      expect(codeOf(error)).toBe('VALIDATION');
      expect(after).toBeUndefined();
      return;
    }
    if (error !== undefined && codeOf(error) === 'ACTIVE_JOB_EXISTS') {
      expect(userActive).toBeDefined();
      expect(after).toBeUndefined();
      return;
    }
    // A stale active job may have been healed by this very request; otherwise it blocks.
    if (
      userActive &&
      userActive.status !== 'starting' &&
      !(userActive.status === 'running' && userActive.taskId === null)
    ) {
      throw new Error(
        `submit passed although ${this.user} had active job ${userActive.id} (${userActive.status})`,
      );
    }
    expect(after).toBeDefined();
    if (running >= 3) {
      // Cap full: honestly queued at the tail (unless healing freed a slot first).
      if (error === undefined && result?.status === 'queued') {
        expect(result).toMatchObject({ waitedInQueue: true });
        expect(result.position).toBeLessThanOrEqual(queued.length + 1);
      }
    } else if (!backoff && queued.length === 0) {
      // A free slot and nobody waiting: the provider's answer decides.
      const expected: Record<StartAnswer, string> = {
        accept: 'running',
        busy: 'queued',
        transient: 'queued',
        reject: 'failed',
        fatal: 'failed',
      };
      expect(after?.status).toBe(expected[this.answer]);
      if (this.answer === 'accept') expect(after?.taskId).not.toBeNull();
      if (this.answer === 'busy' || this.answer === 'transient') {
        expect(after).toMatchObject({
          waitedInQueue: true,
          position: 1,
          errorCode: this.answer === 'busy' ? 'PROVIDER_BUSY' : 'PROVIDER_ERROR',
        });
      }
      if (this.answer === 'reject') expect(codeOf(error)).toBe('PROVIDER_REJECTED');
      if (this.answer === 'fatal') expect(codeOf(error)).toBe('PROVIDER_CONFIG');
    }
    // I4: whatever happened, an error left the job terminal.
    if (error !== undefined) expect(isTerminal(after!.status)).toBe(true);
  }
  toString = () =>
    `Submit(${this.user}, ${this.tool}, ${this.valid ? 'valid' : 'invalid'}, ${this.answer})`;
}

class ProviderFinishes implements Cmd {
  constructor(
    readonly pick: number,
    readonly outcome: 'completed' | 'failed',
    readonly twice: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const running = (await rowsOf(r)).filter((j) => j.status === 'running' && j.taskId !== null);
    const job = running[this.pick % Math.max(1, running.length)];
    if (!job) return;
    const update =
      this.outcome === 'completed'
        ? { state: 'completed' as const, taskId: job.taskId!, output: { url: `out/${job.id}` } }
        : {
            state: 'failed' as const,
            taskId: job.taskId!,
            error: { code: '805', message: 'workflow failed' },
          };
    await r.runner.applyUpdate(job.id, update);
    const after = await byId(r, job.id);
    expect(after?.status).toBe(this.outcome);
    remember(m, after);
    if (this.twice) {
      // A duplicate delivery changes nothing.
      await r.runner.applyUpdate(job.id, { state: 'failed', taskId: job.taskId! });
      expect(await byId(r, job.id)).toEqual(after);
    }
  }
  toString = () => `ProviderFinishes(${this.pick}, ${this.outcome}${this.twice ? ', twice' : ''})`;
}

class Cancel implements Cmd {
  constructor(
    readonly pick: number,
    readonly confirm: boolean,
    readonly asStranger: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const active = (await rowsOf(r)).filter((j) => !isTerminal(j.status));
    const job = active[this.pick % Math.max(1, active.length)];
    if (!job) return;
    const userId = this.asStranger ? `${job.userId}-stranger` : job.userId;
    let error: unknown;
    try {
      await r.runner.cancel({ jobId: job.id, userId, confirm: this.confirm });
    } catch (e) {
      error = e;
    }
    const after = await byId(r, job.id);
    if (this.asStranger) {
      // I6: another user's job looks like no job, and nothing changes.
      expect(codeOf(error)).toBe('NOT_FOUND');
      expect(after?.status).toBe(job.status);
      return;
    }
    const needsConfirm =
      job.status === 'running' ||
      (job.status === 'queued' && job.waitedInQueue && job.position !== null);
    if (needsConfirm && !this.confirm) {
      expect(codeOf(error)).toBe('CONFIRM_REQUIRED');
      expect(after?.status).toBe(job.status);
    } else {
      expect(error).toBeUndefined();
      expect(after).toMatchObject({ status: 'cancelled', errorCode: 'CANCELLED_BY_USER' });
      if (job.taskId) expect(r.provider.cancelled).toContain(job.taskId);
    }
    remember(m, after);
  }
  toString = () =>
    `Cancel(${this.pick}, confirm=${this.confirm}${this.asStranger ? ', stranger' : ''})`;
}

/** A request that died between two steps: after create, or after the slot was taken. */
class RequestDies implements Cmd {
  constructor(
    readonly user: string,
    readonly tool: string,
    readonly after: 'create' | 'start',
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const tool = r.runner.tools.get(this.tool);
    const id = testJobId();
    try {
      await r.h.store.create(
        { id, tool: tool.id, userId: this.user, pool: tool.pool, input: {}, userCreditCost: 0 },
        { maxActivePerUser: 1, now: r.clock.now() },
      );
    } catch (e) {
      expect(codeOf(e)).toBe('ACTIVE_JOB_EXISTS');
      return;
    }
    m.jobs.set(id, { userId: this.user, tool: this.tool });
    if (this.after === 'start') {
      const { promoted } = await r.h.store.start(id, {
        limits: r.runner.policy.limits,
        now: r.clock.now(),
      });
      // Jobs promoted by the dead request were never started at the provider either:
      // they too are lost starts that healing must end.
      for (const p of promoted) m.jobs.set(p.id, { userId: p.userId, tool: p.tool });
    }
  }
  toString = () => `RequestDies(${this.user}, ${this.tool}, after ${this.after})`;
}

class AdvanceAndHeal implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    await r.clock.advance(this.ms);
    await r.runner.heal();
    const now = r.clock.now();
    for (const job of await rowsOf(r)) {
      remember(m, job);
      if (job.status === 'starting')
        expect(now - Date.parse(job.createdAt)).toBeLessThanOrEqual(15_000);
      if (job.status === 'running' && job.taskId === null)
        expect(now - Date.parse(job.startedAt!)).toBeLessThanOrEqual(60_000);
    }
  }
  toString = () => `AdvanceAndHeal(${this.ms})`;
}

const commands = [
  fc
    .tuple(
      fc.constantFrom(...USERS),
      fc.constantFrom(...TOOLS),
      fc.nat(4).map((n) => n !== 0),
      fc.constantFrom<StartAnswer>(
        'accept',
        'accept',
        'accept',
        'busy',
        'reject',
        'transient',
        'fatal',
      ),
    )
    .map(([u, t, v, a]) => new Submit(u, t, v, a)),
  fc
    .tuple(
      fc.nat(10),
      fc.constantFrom<'completed' | 'failed'>('completed', 'completed', 'failed'),
      fc.boolean(),
    )
    .map(([p, o, t]) => new ProviderFinishes(p, o, t)),
  fc
    .tuple(
      fc.nat(10),
      fc.boolean(),
      fc.nat(4).map((n) => n === 0),
    )
    .map(([p, c, s]) => new Cancel(p, c, s)),
  fc
    .tuple(
      fc.constantFrom(...USERS),
      fc.constantFrom(...TOOLS),
      fc.constantFrom<'create' | 'start'>('create', 'start'),
    )
    .map(([u, t, a]) => new RequestDies(u, t, a)),
  fc.constantFrom(1_000, 4_000, 16_000, 61_000).map((ms) => new AdvanceAndHeal(ms)),
];

class CheckedCommand implements Cmd {
  constructor(readonly inner: Cmd) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    await this.inner.run(m, r);
    await invariants(r, m);
  }
  toString = () => this.inner.toString();
}

export interface LifecyclePropertyOptions {
  /** The ledger whose entries I5 is checked against. Default: a MemoryBilling per run. */
  billing?: (h: StoreHarness) => Promise<CreditLedger>;
  /** Sequences to run; default `JOBGATE_PROPERTY_RUNS` or 1000. */
  numRuns?: number;
  maxCommands?: number;
  /** Per-test timeout in ms. */
  timeout?: number;
  seed?: number;
}

/**
 * The model-based property test: random sequences of submits (valid or not, with every
 * provider answer), provider completions and failures (duplicated deliveries included),
 * cancels with and without confirm (and by strangers), requests that die between two
 * steps, and clock advances with healing — from several users across all four test tools —
 * checking the invariants after every step.
 */
export function describeLifecycleProperty(
  name: string,
  factory: StoreFactory,
  options: LifecyclePropertyOptions = {},
): void {
  const numRuns = options.numRuns ?? Number(process.env.JOBGATE_PROPERTY_RUNS ?? 1000);
  describe(`lifecycle property: ${name}`, () => {
    it(
      `holds I1–I6 over ${numRuns} random command sequences`,
      async () => {
        const h = await factory();
        try {
          await fc.assert(
            fc.asyncProperty(
              fc.commands(
                commands.map((arb) => arb.map((c) => new CheckedCommand(c))),
                { maxCommands: options.maxCommands ?? 25 },
              ),
              async (cmds) => {
                await h.reset();
                const clock = new FakeClock(T0);
                const provider = new ScriptedProvider();
                const billing = options.billing
                  ? await options.billing(h)
                  : new MemoryBilling({ initialBalance: 100_000 });
                for (const user of USERS) {
                  // A shared SQL ledger keeps its history across runs: top it up.
                  if ((await billing.balance(user)).total < 50_000)
                    await billing.grant(user, 'lifetime', 100_000);
                }
                const runner = new JobRunner({
                  store: h.store,
                  provider,
                  tools: testTools,
                  clock,
                  billing,
                  wakeTimers: false,
                  random: () => 0.5,
                });
                const real: Real = { h, runner, clock, provider, billing };
                await fc.asyncModelRun(
                  () => ({ model: { jobs: new Map(), ended: new Map() }, real }),
                  cmds,
                );
                runner.close();
              },
            ),
            { numRuns, ...(options.seed === undefined ? {} : { seed: options.seed }) },
          );
        } finally {
          await h.close();
        }
      },
      options.timeout ?? 600_000,
    );
  });
}
