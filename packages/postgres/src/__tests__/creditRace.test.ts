import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobRunner, type Provider } from '@jobgate/core';
import { systemClock } from '@jobgate/core/adapter';
import { MemoryFileStorage } from '@jobgate/core/testing';
import { tools, uploadSampleInput } from '@jobgate/example-tools';
import { describeWith, testJobId, testUserId } from '@jobgate/testkit';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { PostgresBilling } from '../postgresBilling.js';
import { postgresJsClient } from '../postgresJsClient.js';
import { PostgresStore } from '../postgresStore.js';
import { DATABASE_URL, freshSchema, rawRows } from './pgHarness.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..', '..');
const PROCESSES = 4;
const JOBS = 120;
const GRANT = 500;

type Message = { type: string; stats?: Record<string, number>; message?: string };

function worker(args: string[]) {
  const child: ChildProcess = fork(join(here, 'fixtures', 'creditRaceWorker.ts'), args, {
    cwd: repo,
    execArgv: ['--import', 'tsx', '--conditions=@jobgate/source'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: Message[] = [];
  const waiting = new Map<string, (m: Message) => void>();
  child.on('message', (m: Message) => {
    messages.push(m);
    waiting.get(m.type)?.(m);
    if (m.type === 'error') for (const resolve of waiting.values()) resolve(m);
  });
  const next = (type: string) =>
    new Promise<Message>((resolve) => {
      const seen = messages.find((m) => m.type === type || m.type === 'error');
      if (seen) resolve(seen);
      else waiting.set(type, resolve);
    });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, next, exit };
}

describeWith('postgres', 'credits across processes: cancel, provider failure and heal race', () => {
  const schema = freshSchema('race');
  const sql = postgres(DATABASE_URL ?? 'postgres://unused', {
    max: 6,
    prepare: false,
    onnotice: () => undefined,
  });
  const client = postgresJsClient(sql);

  beforeAll(async () => {
    await migrate(client, { schema });
  });
  afterAll(async () => {
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql.end({ timeout: 5 });
  });

  it(`${PROCESSES} processes end the same ${JOBS} charged jobs at once: the ledger adds up to the credit`, async () => {
    const store = new PostgresStore(client, { schema, listen: false });
    const ledger = new PostgresBilling(client, { schema });
    let task = 0;
    const provider: Provider = {
      id: 'race',
      start: async () => ({ taskId: `task-${++task}` }),
      status: async () => ({ state: 'unknown' }),
      cancel: async () => undefined,
      upload: async () => 'x',
      parseWebhook: async () => ({ taskId: 'x', state: 'unknown' }),
    };
    const storage = new MemoryFileStorage();
    const runner = new JobRunner({
      store,
      provider,
      tools,
      storage,
      billing: ledger,
      clock: systemClock,
      policy: { globalCap: 1_000 },
      wakeTimers: false,
    });
    const jobs: { id: string; userId: string; taskId: string }[] = [];
    for (let i = 0; i < JOBS; i++) {
      const userId = testUserId('race');
      await ledger.grant(userId, i % 2 ? 'monthly' : 'lifetime', GRANT);
      const tool = tools[i % tools.length]!.id as Parameters<typeof uploadSampleInput>[1];
      const jobId = testJobId();
      const job = await runner.submit({
        jobId,
        tool,
        userId,
        input: uploadSampleInput(storage, tool, { userId, jobId }),
      });
      expect(job).toMatchObject({ status: 'running', creditState: 'charged' });
      jobs.push({ id: job.id, userId, taskId: job.taskId! });
    }
    // A tenth of them ended by a process that died before refunding: only heal pays those.
    for (const job of jobs.filter((_, i) => i % 10 === 0)) {
      await store.finish(
        job.id,
        { status: 'failed', errorCode: 'INTERNAL', errorMessage: 'INTERNAL: the process died' },
        { limits: runner.policy.limits, now: Date.now() },
      );
    }
    runner.close();

    const workers = Array.from({ length: PROCESSES }, (_, p) =>
      worker([DATABASE_URL!, schema, String(p + 1)]),
    );
    try {
      await Promise.all(workers.map((w) => w.next('ready')));
      for (const w of workers) w.child.send({ jobs });
      const results = await Promise.all(workers.map((w) => w.next('done')));
      for (const r of results) expect(r.message ?? 'ok').toBe('ok');
      expect(await Promise.all(workers.map((w) => w.exit))).toEqual(workers.map(() => 0));
    } finally {
      for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    }

    const rows = await rawRows(client, schema);
    expect(rows.filter((j) => !['completed', 'failed', 'cancelled'].includes(j.status))).toEqual(
      [],
    );
    expect(rows.filter((j) => j.status !== 'completed' && j.creditState !== 'refunded')).toEqual(
      [],
    );
    let expectedTotal = 0;
    let ledgerTotal = 0;
    for (const job of rows) {
      const entries = await ledger.entries({ jobId: job.id });
      const charges = entries.filter((e) => e.kind === 'charge').length;
      const refunds = entries.filter((e) => e.kind === 'refund').length;
      expect({ id: job.id, charges, refunds }).toEqual({
        id: job.id,
        charges: 1,
        refunds: job.status === 'completed' ? 0 : 1,
      });
      const expected = GRANT - (job.status === 'completed' ? job.userCreditCost : 0);
      const balance = await ledger.balance(job.userId);
      const all = await ledger.entries({ userId: job.userId });
      expect({ id: job.id, balance: balance.total }).toEqual({ id: job.id, balance: expected });
      expect(all.reduce((sum, e) => sum + e.amount, 0)).toBe(expected);
      expectedTotal += expected;
      ledgerTotal += all.reduce((sum, e) => sum + e.amount, 0);
    }
    expect(ledgerTotal).toBe(expectedTotal);
    // Each kind of ending won somewhere.
    const codes = new Set(rows.map((j) => j.errorCode ?? j.status));
    for (const code of ['completed', 'CANCELLED_BY_USER', 'PROVIDER_ERROR', 'TIMEOUT', 'INTERNAL'])
      expect(codes).toContain(code);
  }, 120_000);
});
