import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SlotLimits } from '@jobgate/core/adapter';
import { describeWith } from '@jobgate/testkit';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { postgresJsClient } from '../postgresJsClient.js';
import { PostgresStore } from '../postgresStore.js';
import { DATABASE_URL, freshSchema, rawRows } from './pgHarness.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..', '..');
const limits: SlotLimits = {
  poolCaps: { default: 3 },
  defaultPoolCap: 3,
  toolCaps: {},
  maxRunningPerUser: null,
};

const PROCESSES = 4;
const SUBMITTERS = 25;
const JOBS_EACH = 20; // 4 × 25 × 20 = 2,000 jobs

type Message = { type: string; stats?: Record<string, number>; message?: string };

function spawnWorker(
  script: string,
  args: string[],
): {
  child: ChildProcess;
  messages: Message[];
  next: (type: string) => Promise<Message>;
  exit: Promise<number | null>;
} {
  const child = fork(join(here, 'fixtures', script), args, {
    cwd: repo,
    execArgv: ['--import', 'tsx', '--conditions=@jobgate/source'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: Message[] = [];
  const waiters: Array<[string, (m: Message) => void]> = [];
  child.on('message', (m: Message) => {
    messages.push(m);
    for (const [i, [type, resolve]] of waiters.entries()) {
      if (type === m.type || m.type === 'error') {
        waiters.splice(i, 1);
        resolve(m);
        break;
      }
    }
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const next = (type: string) =>
    new Promise<Message>((resolve) => {
      const seen = messages.find((m) => m.type === type || m.type === 'error');
      if (seen) resolve(seen);
      else waiters.push([type, resolve]);
    });
  return { child, messages, next, exit };
}

interface AuditEntry {
  seq: string;
  txid: string;
  id: string;
  old_status: string | null;
  new_status: string;
  queue_seq: string | null;
  at: Date;
}

describeWith('postgres', 'PostgreSQL server: many processes, one cap', () => {
  const schema = freshSchema('mp');
  const sql = postgres(DATABASE_URL ?? 'postgres://unused', {
    max: 4,
    prepare: false,
    onnotice: () => undefined,
  });
  const client = postgresJsClient(sql);

  beforeAll(async () => {
    await migrate(client, { schema });
    // The independent audit: every status change, with the wall clock and the transaction.
    await client.exec(`
      SET search_path TO "${schema}";
      CREATE TABLE jobgate_audit (
        seq bigserial PRIMARY KEY, txid bigint NOT NULL DEFAULT txid_current(), id text NOT NULL,
        old_status text, new_status text NOT NULL, queue_seq bigint,
        at timestamptz NOT NULL DEFAULT clock_timestamp());
      CREATE FUNCTION jobgate_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO "${schema}".jobgate_audit (id, old_status, new_status, queue_seq)
        VALUES (NEW.id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status, NEW.queue_seq);
        RETURN NULL;
      END $$;
      CREATE TRIGGER jobgate_audit_insert AFTER INSERT ON jobgate_jobs
        FOR EACH ROW EXECUTE FUNCTION jobgate_audit_change();
      CREATE TRIGGER jobgate_audit_update AFTER UPDATE ON jobgate_jobs
        FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION jobgate_audit_change();
      RESET search_path;`);
  });

  afterAll(async () => {
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql.end({ timeout: 5 });
  });

  it(`runs ${PROCESSES * SUBMITTERS * JOBS_EACH} jobs from ${PROCESSES} processes × ${SUBMITTERS} submitters: never more than 3 running, FIFO promotion`, async () => {
    const started = performance.now();
    const workers = Array.from({ length: PROCESSES }, (_, p) =>
      spawnWorker('loadWorker.ts', [
        DATABASE_URL!,
        schema,
        String(p),
        String(SUBMITTERS),
        String(JOBS_EACH),
      ]),
    );
    try {
      const results = await Promise.all(workers.map((w) => w.next('done')));
      for (const r of results) expect(r.message ?? 'ok').toBe('ok');
      expect(await Promise.all(workers.map((w) => w.exit))).toEqual(workers.map(() => 0));
    } finally {
      for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    }
    const elapsed = performance.now() - started;

    const rows = await rawRows(client, schema);
    const total = PROCESSES * SUBMITTERS * JOBS_EACH;
    expect(rows).toHaveLength(total);
    expect(rows.filter((j) => !['completed', 'failed'].includes(j.status))).toEqual([]);
    expect(rows.filter((j) => j.position !== null || j.completedAt === null)).toEqual([]);
    const stats = workers.map((w) => w.messages.find((m) => m.type === 'done')!.stats!);
    const sum = (key: string) => stats.reduce((n, s) => n + (s[key] ?? 0), 0);
    expect(sum('completed') + sum('failed')).toBe(total);
    expect(rows.filter((j) => j.status === 'completed')).toHaveLength(sum('completed'));

    // Replay the audit log in lock order (seq is taken inside the locked transactions).
    const log = await sql.unsafe<AuditEntry[]>(
      `SELECT * FROM "${schema}".jobgate_audit ORDER BY seq`,
    );
    const slotLog = log.filter(
      (e) =>
        e.old_status === 'running' ||
        e.new_status === 'running' ||
        e.old_status === 'queued' ||
        e.new_status === 'queued',
    );
    const running = new Set<string>();
    const queue = new Map<string, bigint>();
    let maxRunning = 0;
    let queuedWhileFree = 0;
    let fifoBreaks = 0;
    let idleWithQueue = 0;
    for (const [i, e] of slotLog.entries()) {
      if (e.new_status === 'queued') {
        if (running.size < 3) queuedWhileFree++;
        queue.set(e.id, BigInt(e.queue_seq!));
      }
      if (e.old_status === 'queued') {
        const head = [...queue.entries()].reduce((a, b) => (b[1] < a[1] ? b : a));
        if (e.new_status === 'running' && head[0] !== e.id) fifoBreaks++;
        queue.delete(e.id);
      }
      if (e.old_status === 'running') running.delete(e.id);
      if (e.new_status === 'running') running.add(e.id);
      maxRunning = Math.max(maxRunning, running.size);
      // I3 at each transaction's end: a free slot means an empty queue.
      const endOfTx = slotLog[i + 1]?.txid !== e.txid;
      if (endOfTx && running.size < 3 && queue.size > 0) idleWithQueue++;
    }
    expect(maxRunning).toBe(3);
    expect(queuedWhileFree).toBe(0);
    expect(fifoBreaks).toBe(0);
    expect(idleWithQueue).toBe(0);
    expect(sum('queued')).toBeGreaterThan(total / 2); // the cap was really under pressure

    // The same with wall-clock intervals: a sweep over running periods never sees 4.
    const events: Array<[number, number]> = [];
    for (const e of log) {
      if (e.new_status === 'running') events.push([e.at.getTime(), 1]);
      if (e.old_status === 'running') events.push([e.at.getTime(), -1]);
    }
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let now = 0;
    let peak = 0;
    for (const [, d] of events) {
      now += d;
      peak = Math.max(peak, now);
    }
    expect(peak).toBeLessThanOrEqual(3);

    // The jobs' own timestamps come from the database clock under the lock: across the four
    // processes, started_at follows the order in which the slot decisions were taken (the
    // audit's lock order), with no out-of-order pair.
    const startOrder = log.filter((e) => e.new_status === 'running').map((e) => e.id);
    const startedAt = new Map(rows.map((j) => [j.id, Date.parse(j.startedAt ?? '')]));
    const startTimes = startOrder.map((id) => startedAt.get(id)!);
    const outOfOrder = startTimes.filter((t, i) => i > 0 && t < startTimes[i - 1]!).length;
    expect(startTimes.every(Number.isFinite)).toBe(true);
    expect(outOfOrder).toBe(0);
    console.info(
      `multi-process: ${total} jobs in ${(elapsed / 1000).toFixed(1)} s; queued ${sum('queued')}, woken by NOTIFY ${sum('notified')}, by poll ${sum('polled')}; heals ${sum('heals')}`,
    );
  }, 120_000);

  it('heals what a killed (-9) process left: starting → STALE_START, running → START_LOST, slots to the queue head', async () => {
    const T0 = Date.UTC(2026, 5, 1);
    const store = new PostgresStore(client, { schema, closeClient: false, clock: 'caller' });
    const crash = spawnWorker('crashWorker.ts', [DATABASE_URL!, schema, String(T0)]);
    try {
      expect((await crash.next('jobs')).type).toBe('jobs');
      const queued: string[] = [];
      for (const id of ['crash-q1', 'crash-q2']) {
        await store.create(
          {
            id,
            tool: 'veste-ai',
            userId: `waiter-${id}`,
            pool: 'default',
            input: {},
            userCreditCost: 60,
          },
          { maxActivePerUser: 1, now: T0 + 1 },
        );
        const { job } = await store.start(id, { limits, now: T0 + 1 });
        expect(job).toMatchObject({ status: 'queued' });
        queued.push(id);
      }
      crash.child.send('lock');
      expect((await crash.next('locked')).type).toBe('locked');
      crash.child.kill('SIGKILL');
      expect(await crash.exit).toBeNull();

      const heal = (now: number) =>
        store.heal({ limits, now, staleStartMs: 15_000, lostStartMs: 60_000, maxQueueMs: null });
      // Within the windows nothing is touched (and the dead process's lock is gone).
      const early = await heal(T0 + 15_000);
      expect(early.healed).toEqual([]);
      const stale = await heal(T0 + 15_001);
      expect(stale.healed.map((j) => [j.id, j.status, j.errorCode])).toEqual([
        ['crash-s1', 'cancelled', 'STALE_START'],
      ]);
      expect(stale.promoted).toEqual([]);
      expect(await heal(T0 + 60_000)).toEqual({ healed: [], promoted: [] });
      const lost = await heal(T0 + 60_001);
      expect(lost.healed.map((j) => [j.id, j.status, j.errorCode])).toEqual([
        ['crash-r1', 'failed', 'START_LOST'],
        ['crash-r2', 'failed', 'START_LOST'],
        ['crash-r3', 'failed', 'START_LOST'],
      ]);
      expect(lost.promoted.map((j) => [j.id, j.status])).toEqual(
        queued.map((id) => [id, 'running']),
      );
      const rows = (await rawRows(client, schema)).filter((j) => j.id.startsWith('crash-'));
      expect(rows.filter((j) => j.status === 'running').map((j) => j.id)).toEqual(queued);
      expect(rows.every((j) => j.position === null)).toBe(true);
    } finally {
      if (crash.child.exitCode === null && crash.child.signalCode === null)
        crash.child.kill('SIGKILL');
      await store.close();
    }
  }, 60_000);
});
