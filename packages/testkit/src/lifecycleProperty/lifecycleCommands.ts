import { isTerminal, type Job } from '@jobgate/core';
import fc from 'fast-check';
import { expect } from 'vitest';
import { invalidInputs, sampleInputs, testTools } from '../fixtures/testTools.js';
import type { StartAnswer } from '../scriptedProvider.js';
import { testJobId } from '../storeHarness.js';
import {
  byId,
  type Cmd,
  codeOf,
  type Model,
  type Real,
  remember,
  rowsOf,
} from './modelInvariants.js';

export const USERS = ['ana', 'bia', 'caio', 'duda', 'enzo', 'fabi'];
const TOOLS = testTools.map((t) => t.id);

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
/** The random steps the property draws from: each checks its own outcome against the model. */
export const lifecycleCommands = [
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
