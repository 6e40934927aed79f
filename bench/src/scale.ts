// Scale of @jobgate/postgres: start and finish latency with 1k, 100k and 1M historical
// (terminal) jobs in the table. The hot path must not grow with history: the slot decision
// only reads active rows (partial indexes), so the aim is p99(1M) / p99(1k) ≤ 1.3.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//     npx tsx --conditions=@jobgate/source bench/src/scale.ts [--samples 600] [--json]
//
// Each size gets its own schema, filled with generate_series (notify triggers off during the
// fill) and VACUUM ANALYZEd. Then a steady state of 3 running + 10 queued jobs per schema:
// every round creates and starts one job (it queues at the tail: timed as "start") and
// finishes the oldest running job (it releases and promotes the queue head in the same
// transaction: timed as "finish"). Rounds run in blocks interleaved across the sizes, so
// noise from other load on the machine falls on every size alike.
import { parseArgs } from 'node:util';
import { createSlotPolicy } from '@jobgate/core/adapter';
import { migrate, PostgresStore, postgresJsClient } from '@jobgate/postgres';
import postgres from 'postgres';
import { percentile } from './analyzeRun.js';

const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '600' },
    blocks: { type: 'string', default: '12' },
    json: { type: 'boolean', default: false },
  },
});
const SAMPLES = Number(values.samples);
const BLOCKS = Number(values.blocks);
const PER_BLOCK = Math.ceil(SAMPLES / BLOCKS);
const SIZES = [1_000, 100_000, 1_000_000];
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const { limits } = createSlotPolicy({ globalCap: 3 });
const HISTORY_USERS = 50_000;

const sql = postgres(url, { max: 4, prepare: false, onnotice: () => undefined });
const client = postgresJsClient(sql);

interface Target {
  size: number;
  schema: string;
  store: PostgresStore;
  fillMs: number;
  running: string[];
  queued: string[];
  startMs: number[];
  finishMs: number[];
  healMs: number[];
}

/** Fills a schema with `size` historical jobs: terminal, spread over 50k users and 80 days. */
async function fill(schema: string, size: number): Promise<number> {
  const q = `"${schema}"`;
  const started = performance.now();
  await sql.unsafe(`ALTER TABLE ${q}.jobgate_jobs DISABLE TRIGGER USER`);
  const step = 100_000;
  for (let a = 1; a <= size; a += step) {
    const b = Math.min(size, a + step - 1);
    await sql.unsafe(`
      INSERT INTO ${q}.jobgate_jobs (id, tool, user_id, pool, status, input, output, waited_in_queue,
        task_id, user_credit_cost, credit_state, error_code, error_message, progress, attempts,
        created_at, queued_at, started_at, completed_at, updated_at)
      SELECT 'hist-' || i,
             (ARRAY['upscaler', 'pose-changer', 'veste-ai', 'video-upscaler'])[1 + i % 4],
             'user-' || (i % ${HISTORY_USERS}),
             'default',
             CASE WHEN i % 10 = 0 THEN 'failed' WHEN i % 25 = 1 THEN 'cancelled' ELSE 'completed' END,
             jsonb_build_object('image', 'upscaler/user-' || (i % ${HISTORY_USERS}) || '/hist-' || i || '/in.webp'),
             CASE WHEN i % 10 = 0 OR i % 25 = 1 THEN NULL
                  ELSE jsonb_build_object('url', 'https://cdn.example/out/hist-' || i || '.webp') END,
             i % 3 = 0, 'task-' || i, 60,
             CASE WHEN i % 10 = 0 OR i % 25 = 1 THEN 'refunded' ELSE 'charged' END,
             CASE WHEN i % 10 = 0 THEN 'PROVIDER_ERROR' WHEN i % 25 = 1 THEN 'CANCELLED_BY_USER' END,
             CASE WHEN i % 10 = 0 THEN 'PROVIDER_ERROR: task failed'
                  WHEN i % 25 = 1 THEN 'CANCELLED_BY_USER: cancelled' END,
             1, 1,
             t, CASE WHEN i % 3 = 0 THEN t END, t + interval '5 s', t + interval '65 s', t + interval '65 s'
        FROM generate_series(${a}::bigint, ${b}::bigint) AS i,
             LATERAL (SELECT timestamptz '2025-10-01' + (i * interval '7 s') AS t) AS ts`);
  }
  await sql.unsafe(`ALTER TABLE ${q}.jobgate_jobs ENABLE TRIGGER USER`);
  await sql.unsafe(`VACUUM ANALYZE ${q}.jobgate_jobs`);
  return performance.now() - started;
}

let seq = 0;
let now = Date.UTC(2026, 1, 1);

async function submit(target: Target): Promise<{ id: string; ms: number }> {
  const id = `live-${++seq}`;
  // Users overlap the history, so the per-user active check meets their old jobs.
  const userId = `user-${seq % HISTORY_USERS}`;
  now += 10;
  await target.store.create(
    {
      id,
      tool: 'upscaler',
      userId,
      pool: 'default',
      input: { image: 'a.webp' },
      userCreditCost: 60,
    },
    { maxActivePerUser: 1, now },
  );
  const t = performance.now();
  await target.store.start(id, { limits, now });
  return { id, ms: performance.now() - t };
}

/** One round of the steady state: a start at the tail, a finish that promotes the head. */
async function round(target: Target, record: boolean): Promise<void> {
  const s = await submit(target);
  target.queued.push(s.id);
  const oldest = target.running.shift()!;
  await target.store.attachTask(oldest, `task-${oldest}`, now);
  now += 10;
  const t = performance.now();
  const { promoted } = await target.store.finish(
    oldest,
    { status: 'completed', output: { url: `https://cdn.example/${oldest}.webp` } },
    { limits, now, from: ['running'] },
  );
  const f = performance.now() - t;
  if (promoted.length !== 1 || promoted[0]!.id !== target.queued[0]) {
    throw new Error(
      `expected ${target.queued[0]} to be promoted, got ${promoted.map((j) => j.id)}`,
    );
  }
  target.running.push(target.queued.shift()!);
  // Heal with windows nothing has outlived: the cost of the scan itself.
  const th = performance.now();
  await target.store.heal({
    limits,
    now,
    staleStartMs: 600_000,
    lostStartMs: 600_000,
    maxQueueMs: 600_000,
  });
  const hMs = performance.now() - th;
  if (record) {
    target.startMs.push(s.ms);
    target.finishMs.push(f);
    target.healMs.push(hMs);
  }
}

async function main(): Promise<void> {
  const targets: Target[] = [];
  try {
    for (const size of SIZES) {
      const schema = `jg_scale_${size}_${process.pid}`;
      await migrate(client, { schema });
      const store = new PostgresStore(client, { schema, closeClient: false });
      const target: Target = {
        size,
        schema,
        store,
        fillMs: 0,
        running: [],
        queued: [],
        startMs: [],
        finishMs: [],
        healMs: [],
      };
      targets.push(target);
      target.fillMs = await fill(schema, size);
      // Steady state: 3 running, 10 queued.
      while (target.running.length < 3) target.running.push((await submit(target)).id);
      while (target.queued.length < 10) target.queued.push((await submit(target)).id);
    }
    // Interleave blocks of rounds across the sizes, so a load change on the machine hits
    // every size alike; the first block is warm-up.
    for (let block = 0; block <= BLOCKS; block++) {
      const order = block % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order)
        for (let i = 0; i < PER_BLOCK; i++) await round(target, block > 0);
    }
    const results = targets.map((t) => {
      const start = [...t.startMs].sort((a, b) => a - b);
      const finish = [...t.finishMs].sort((a, b) => a - b);
      const heal = [...t.healMs].sort((a, b) => a - b);
      return {
        rows: t.size,
        fillMs: Math.round(t.fillMs),
        samples: start.length,
        start: { p50: percentile(start, 50), p99: percentile(start, 99) },
        finish: { p50: percentile(finish, 50), p99: percentile(finish, 99) },
        heal: { p50: percentile(heal, 50), p99: percentile(heal, 99) },
      };
    });
    const first = results[0]!;
    const last = results[results.length - 1]!;
    const ratio = {
      startP99: last.start.p99 / first.start.p99,
      finishP99: last.finish.p99 / first.finish.p99,
      startP50: last.start.p50 / first.start.p50,
      finishP50: last.finish.p50 / first.finish.p50,
    };
    if (values.json) {
      console.log(JSON.stringify({ results, ratio }, null, 2));
    } else {
      for (const r of results) {
        console.log(
          `${String(r.rows).padStart(9)} rows (fill ${(r.fillMs / 1000).toFixed(1)} s, ${r.samples} samples): ` +
            `start p50 ${r.start.p50.toFixed(2)} ms p99 ${r.start.p99.toFixed(2)} ms · ` +
            `finish p50 ${r.finish.p50.toFixed(2)} ms p99 ${r.finish.p99.toFixed(2)} ms · ` +
            `heal p50 ${r.heal.p50.toFixed(2)} ms p99 ${r.heal.p99.toFixed(2)} ms`,
        );
      }
      console.log(
        `ratio 1M/1k: p99 start ${ratio.startP99.toFixed(2)}, finish ${ratio.finishP99.toFixed(2)} (aim ≤ 1.3); ` +
          `p50 start ${ratio.startP50.toFixed(2)}, finish ${ratio.finishP50.toFixed(2)}`,
      );
    }
  } finally {
    for (const t of targets) {
      await sql.unsafe(`DROP SCHEMA IF EXISTS "${t.schema}" CASCADE`);
      await t.store.close();
    }
    await sql.end({ timeout: 5 });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
