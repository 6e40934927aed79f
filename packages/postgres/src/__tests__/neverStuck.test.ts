import { isTerminal, type Job, JobRunner, type RunnerTimeouts } from '@jobgate/core';
import { describeWith } from '@jobgate/testkit';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { postgresJsClient } from '../postgresJsClient.js';
import { PostgresStore } from '../postgresStore.js';
import {
  type FaultKind,
  type FaultScenario,
  type FaultStep,
  FIXTURE_SECRET,
  fixtureBilling,
  fixtureProvider,
  fixtureTables,
  fixtureTool,
} from './fixtures/neverStuckFixture.js';
import { spawnWorker, type Worker } from './fixtures/spawnWorker.js';
import { DATABASE_URL, freshSchema } from './pgHarness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeWith('postgres', 'never stuck, on the PostgreSQL server with real processes', () => {
  const schema = freshSchema('ns');
  const sql = postgres(DATABASE_URL ?? 'postgres://unused', {
    max: 6,
    prepare: false,
    onnotice: () => undefined,
  });
  const client = postgresJsClient(sql);
  const store = new PostgresStore(client, { schema, closeClient: false });
  const workers: Worker[] = [];

  const ledger = async (jobId: string) => {
    const rows = await client.query<{ kind: string }>(
      `SELECT kind FROM "${schema}".fixture_ledger WHERE job_id = $1`,
      [jobId],
    );
    return {
      charges: rows.filter((r) => r.kind === 'charge').length,
      refunds: rows.filter((r) => r.kind === 'refund').length,
    };
  };
  const providerEvents = (jobId: string) =>
    client.query<{ task_id: string; kind: string }>(
      `SELECT task_id, kind FROM "${schema}".fixture_provider WHERE job_id = $1 ORDER BY at`,
      [jobId],
    );
  const runningCount = async () =>
    Number(
      (
        await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM "${schema}".jobgate_jobs WHERE status = 'running'`,
        )
      )[0]!.n,
    );

  beforeAll(async () => {
    await migrate(client, { schema });
    await client.exec(fixtureTables(schema));
  });

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await store.close();
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql.end({ timeout: 5 });
  });

  it('kill -9 of an instance starting 3 jobs: the slot is in use again within 20 s (default settings)', async () => {
    const starter = spawnWorker(['starter', DATABASE_URL!, schema, '3']);
    workers.push(starter);
    expect(await starter.next('started', 30_000)).not.toBeNull();
    // Another instance, default settings: heals every 5 s; its user waits in the queue.
    const healer = new JobRunner({
      store,
      provider: fixtureProvider(client, schema),
      tools: [fixtureTool],
      billing: fixtureBilling(client, schema),
      webhook: { baseUrl: 'https://api.example.test', secret: FIXTURE_SECRET },
    });
    const stop = healer.startHealing();
    try {
      const waiting = await healer.submit({
        jobId: crypto.randomUUID(),
        tool: fixtureTool.id,
        userId: 'waiting',
        input: {},
      });
      expect(waiting).toMatchObject({ status: 'queued', position: 1 });
      const starts = await store.list({ status: ['running'] });
      expect(starts).toHaveLength(3);
      // The live instance renews its leases: 17 s (past the 15 s lease) of heals end nothing.
      await sleep(17_000);
      expect((await store.get(waiting.id))?.status).toBe('queued');
      expect(await runningCount()).toBe(3);

      starter.child.kill('SIGKILL');
      await starter.exit;
      const killedAt = performance.now();
      let maxRunning = 0;
      let inUse: Job | null = null;
      while (performance.now() - killedAt < 30_000) {
        maxRunning = Math.max(maxRunning, await runningCount());
        const job = await store.get(waiting.id);
        if (job?.status === 'running' && job.taskId !== null) {
          inUse = job;
          break;
        }
        await sleep(100);
      }
      const recoveryMs = Math.round(performance.now() - killedAt);
      console.log(`kill -9 → slot in use again: ${recoveryMs} ms`);
      expect(inUse).not.toBeNull();
      expect(recoveryMs).toBeLessThanOrEqual(20_000);
      expect(maxRunning).toBeLessThanOrEqual(3);
      // The dead instance's starts: failed with a code, each charged once and refunded once.
      for (const s of starts) {
        expect(await store.get(s.id)).toMatchObject({
          status: 'failed',
          errorCode: 'START_LOST',
          creditState: 'refunded',
        });
        expect(await ledger(s.id)).toEqual({ charges: 1, refunds: 1 });
      }
    } finally {
      stop();
    }
  }, 90_000);

  it('four instances healing at once pay each owed refund exactly once (the claim is in the store)', async () => {
    const pools = Array.from({ length: 4 }, () =>
      postgres(DATABASE_URL!, { max: 2, prepare: false, onnotice: () => undefined }),
    );
    try {
      const runners = pools.map(
        (p) =>
          new JobRunner({
            store: new PostgresStore(postgresJsClient(p), { schema, closeClient: false }),
            provider: fixtureProvider(postgresJsClient(p), schema),
            tools: [fixtureTool],
            billing: fixtureBilling(postgresJsClient(p), schema),
            healOnRequest: false,
          }),
      );
      const owed: string[] = [];
      for (let i = 0; i < 20; i++) {
        const id = crypto.randomUUID();
        await store.create(
          {
            id,
            tool: fixtureTool.id,
            userId: `owed-${i}`,
            pool: 'default',
            input: {},
            userCreditCost: 5,
          },
          { maxActivePerUser: 1, now: Date.now() },
        );
        await store.setCreditState(id, 'none', 'charged', Date.now());
        await store.finish(
          id,
          { status: 'failed', errorCode: 'INTERNAL', errorMessage: 'INTERNAL: x' },
          { limits: runners[0]!.policy.limits, now: Date.now() },
        );
        owed.push(id);
      }
      const reports = await Promise.all(runners.map((r) => r.heal()));
      expect(reports.reduce((n, r) => n + r.refunded, 0)).toBe(20);
      for (const id of owed) {
        expect(await ledger(id)).toEqual({ charges: 0, refunds: 1 });
        expect((await store.get(id))?.creditState).toBe('refunded');
      }
    } finally {
      await Promise.all(pools.map((p) => p.end({ timeout: 2 })));
    }
  }, 60_000);

  describe('fault injection: each step of submit, finish, webhook and cancel × throw, time out, kill', () => {
    const STEPS: FaultStep[] = [
      'create',
      'charge',
      'start',
      'attach',
      'finish',
      'webhook',
      'cancel',
    ];
    const FAULTS: FaultKind[] = ['throw', 'timeout', 'kill'];
    // Short windows, so the matrix runs in seconds; the rules are the defaults' rules.
    const timeouts: RunnerTimeouts = {
      staleStartMs: 2_000,
      startLeaseMs: 2_000,
      lostStartMs: 10_000,
      providerStartMs: 1_000,
      providerCallMs: 1_000,
      storeCallMs: 1_000,
    };
    const WINDOW_MS = 8_000;

    for (const fault of FAULTS) {
      it(`${fault}: every job ends terminal with a code, charged ≤ 1, refunded once, no task unfollowed`, async () => {
        const healer = new JobRunner({
          store,
          provider: fixtureProvider(client, schema),
          tools: [fixtureTool],
          billing: fixtureBilling(client, schema),
          webhook: { baseUrl: 'https://api.example.test', secret: FIXTURE_SECRET },
          timeouts,
          healOnRequest: false,
        });
        const scenarios: FaultScenario[] = STEPS.map((step) => ({
          step,
          fault,
          jobId: crypto.randomUUID(),
          userId: `fault-${fault}-${step}`,
        }));
        // Three at a time: the pool's cap, so each job runs and reaches its step.
        for (let i = 0; i < scenarios.length; i += 3) {
          const batch = scenarios.slice(i, i + 3);
          const running = batch.map((s) =>
            spawnWorker(['fault', DATABASE_URL!, schema, JSON.stringify({ ...s, timeouts })]),
          );
          workers.push(...running);
          // A request that hangs forever (a charge that never answers) is cut off like a
          // serverless function at its time limit.
          await Promise.all(
            running.map(async (w) => {
              await w.next('ready', 60_000);
              await w.next('done', 4_000);
              if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
              await w.exit;
            }),
          );
          // Heal until every job of the batch is settled (or the window is over).
          const started = performance.now();
          let maxRunning = 0;
          while (performance.now() - started < WINDOW_MS) {
            await healer.heal();
            // The provider's completion callbacks (RunningHub calls back when a task ends).
            for (const s of batch) {
              for (const e of await providerEvents(s.jobId)) {
                if (e.kind !== 'start') continue;
                await healer
                  .applyUpdate(s.jobId, { taskId: e.task_id, state: 'completed', output: 1 })
                  .catch(() => undefined);
              }
            }
            maxRunning = Math.max(maxRunning, await runningCount());
            const rows = await Promise.all(batch.map((s) => store.get(s.jobId)));
            const settled = rows.every(
              (r) => r === null || (isTerminal(r.status) && r.creditState !== 'charged'),
            );
            if (settled) break;
            await sleep(250);
          }
          expect(maxRunning).toBeLessThanOrEqual(3);
          for (const s of batch) {
            const name = `${s.step} × ${s.fault}`;
            const job = await store.get(s.jobId);
            const money = await ledger(s.jobId);
            // No row only when the request died before it created one.
            if (job === null) {
              expect(s.step, name).toBe('create');
              expect(money, name).toEqual({ charges: 0, refunds: 0 });
              continue;
            }
            expect(isTerminal(job.status), `${name}: ${job.status}`).toBe(true);
            if (job.status !== 'completed') expect(job.errorCode, name).not.toBeNull();
            expect(money.charges, name).toBeLessThanOrEqual(1);
            expect(money.refunds, name).toBeLessThanOrEqual(1);
            if (money.charges === 1 && job.status !== 'completed') {
              expect(money.refunds, name).toBe(1);
              expect(job.creditState, name).toBe('refunded');
            }
            if (job.status === 'completed') expect(money.refunds, name).toBe(0);
            // A task the provider accepted is followed: it is the job's, or cancelled, or its
            // late result is kept on the job.
            for (const e of await providerEvents(s.jobId)) {
              if (e.kind !== 'start') continue;
              const events = await providerEvents(s.jobId);
              const cancelled = events.some((x) => x.kind === 'cancel' && x.task_id === e.task_id);
              const followed = job.taskId === e.task_id && (job.output !== null || cancelled);
              expect(followed || cancelled, `${name}: task ${e.task_id} left unfollowed`).toBe(
                true,
              );
            }
          }
        }
        healer.close();
      }, 120_000);
    }
  });
});
