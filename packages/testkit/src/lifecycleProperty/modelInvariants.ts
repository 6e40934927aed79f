import { isTerminal, type Job, JobGateError, type JobRunner } from '@jobgate/core';
import type { CreditLedger } from '@jobgate/core/adapter';
import type { FakeClock } from '@jobgate/core/testing';
import type fc from 'fast-check';
import { expect } from 'vitest';
import { checkInvariants } from '../checkInvariants.js';
import type { ScriptedProvider } from '../scriptedProvider.js';
import type { StoreHarness } from '../storeHarness.js';

/** The system under test: one store, a runner over it, and what the runner talks to. */
export interface Real {
  h: StoreHarness;
  runner: JobRunner;
  clock: FakeClock;
  provider: ScriptedProvider;
  billing: CreditLedger;
}

/** The reference model: which jobs exist, whose they are, and what each must be by now. */
export interface Model {
  jobs: Map<string, { userId: string; tool: string }>;
  /** Jobs that must be terminal and stay as they are (status at the time they ended). */
  ended: Map<string, Job['status']>;
}

export type Cmd = fc.AsyncCommand<Model, Real>;

export const rowsOf = (r: Real) => r.h.rows();
export const byId = async (r: Real, id: string) => (await rowsOf(r)).find((j) => j.id === id);
export const codeOf = (e: unknown) =>
  e instanceof JobGateError ? e.code : `non-JobGateError: ${String(e)}`;

/** I1–I6 after a step: the rows' invariants, the ledger per job and user, one active job per user. */
export async function modelInvariants(r: Real, m: Model): Promise<void> {
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

/** Notes a job in the model; a terminal one must stay as it is from now on. */
export function remember(m: Model, job: Job | undefined): void {
  if (job) {
    m.jobs.set(job.id, { userId: job.userId, tool: job.tool });
    if (isTerminal(job.status)) m.ended.set(job.id, job.status);
  }
}
