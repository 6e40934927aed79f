import { execFileSync } from 'node:child_process';
import { MemoryStore } from '@jobgate/core';
import { createPgliteStore } from '@jobgate/postgres';
import { describe, expect, it } from 'vitest';
import { renderLive } from './liveView.js';
import { runSimulation } from './simulation.js';

const run = (seed: number, users = 12) =>
  runSimulation({ duration: 60, users, seed, storeName: 'memory', store: new MemoryStore() });

describe('the demo simulation', () => {
  it('leaves no job non-terminal and never runs more than 3, over 20 seeds', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const report = await run(seed, 15);
      expect({ seed, nonTerminal: report.nonTerminal }).toEqual({ seed, nonTerminal: 0 });
      expect(report.maxRunning).toBeLessThanOrEqual(3);
      expect(report.providerMaxConcurrent).toBeLessThanOrEqual(3);
      expect(report.jobs).toBe(report.completed + report.failed + report.cancelled);
      // Every completed job's result was copied into the storage before it completed.
      expect({ seed, completedUnstored: report.files.completedUnstored }).toEqual({
        seed,
        completedUnstored: 0,
      });
      expect(report.files.stored).toBeGreaterThanOrEqual(report.completed);
    }
  });

  it('really exercises the hard paths (queueing, healing, refusals, provider errors)', async () => {
    const reports = await Promise.all([1, 2, 3, 4, 5].map((seed) => run(seed, 20)));
    const sum = (f: (r: (typeof reports)[number]) => number) =>
      reports.reduce((n, r) => n + f(r), 0);
    expect(Math.max(...reports.map((r) => r.maxRunning))).toBe(3);
    expect(sum((r) => r.maxQueueLength)).toBeGreaterThan(0);
    expect(sum((r) => r.healed)).toBeGreaterThan(0);
    expect(sum((r) => r.requests.refused.VALIDATION ?? 0)).toBeGreaterThan(0);
    expect(sum((r) => r.requests.refused.ACTIVE_JOB_EXISTS ?? 0)).toBeGreaterThan(0);
    expect(sum((r) => r.provider.busy)).toBeGreaterThan(0);
    expect(sum((r) => r.provider.lostWebhooks)).toBeGreaterThan(0);
    // The files' path: the provider read each started job's uploads.
    expect(sum((r) => r.files.uploaded)).toBeGreaterThanOrEqual(sum((r) => r.provider.started));
    expect(sum((r) => r.completed)).toBeGreaterThan(0);
  });

  it('is deterministic for a seed', async () => {
    const { realMs: _a, ...first } = await run(7);
    const { realMs: _b, ...second } = await run(7);
    expect(second).toEqual(first);
  });

  it('gives exactly the same report on the embedded PGlite store as on the memory store', async () => {
    // The simulation's virtual clock drives the store's timestamps, as in the demo.
    const store = await createPgliteStore({ clock: 'caller' });
    try {
      const {
        realMs: _p,
        store: _s,
        ...onPglite
      } = await runSimulation({
        duration: 60,
        users: 12,
        seed: 3,
        storeName: 'pglite',
        store,
      });
      const { realMs: _m, store: _t, ...inMemory } = await run(3);
      expect(onPglite).toEqual(inMemory);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('draws a live view no wider than 80 columns', async () => {
    const lines = renderLive(
      {
        now: 12_000,
        end: 60_000,
        running: [],
        queue: [],
        counts: { completed: 1, failed: 2, cancelled: 3, healed: 4 },
        errors: {
          PROVIDER_BUSY: 3,
          VALIDATION: 2,
          RATE_LIMITED: 1,
          STALE_START: 1,
          START_LOST: 1,
          CANCELLED_BY_USER: 9,
        },
      },
      'jobgate demo · memory store · 500 users · seed 2147483648',
    );
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(80);
  });

  it('npm start -- --json --seed 1 (PGlite, the default) prints one JSON report with the documented keys', () => {
    const out = execFileSync(
      'npx',
      ['tsx', '--conditions=@jobgate/source', 'examples/demo/src/main.ts', '--json', '--seed', '1'],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    const report = JSON.parse(out.trim());
    for (const key of [
      'jobs',
      'maxRunning',
      'nonTerminal',
      'healed',
      'completed',
      'failed',
      'cancelled',
      'files',
    ]) {
      expect(report).toHaveProperty(key);
    }
    expect(report.store).toBe('pglite');
    expect(report.nonTerminal).toBe(0);
    expect(report.maxRunning).toBeLessThanOrEqual(3);
    expect(report.files.completedUnstored).toBe(0);
  }, 90_000);
});
