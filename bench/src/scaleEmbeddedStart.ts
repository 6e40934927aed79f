// How long the embedded default (PGlite) takes from process start to the first job started:
// in memory (initdb each time, or from a migrated snapshot), and from a data directory (new,
// then saved). Each run is a fresh OS process.
//
//   npx tsx --conditions=@jobgate/source bench/src/scaleEmbeddedStart.ts [--runs 3] [--json]
//
// "total" is performance.now() in the child when its first job is running, i.e. from the
// process's own start (node + tsx boot, imports, PGlite.create, migrate, create + start).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { median } from './analyzeRun.js';

interface Timing {
  total: number;
  importMs: number;
  openMs: number;
  migrateMs: number;
  firstStartMs: number;
  status: string;
}

async function child(dataDir: string | undefined, snapshot: string | undefined): Promise<void> {
  const t0 = performance.now();
  const { migrate, PostgresStore, pgliteClient } = await import('@jobgate/postgres');
  const { PGlite } = await import('@electric-sql/pglite');
  const t1 = performance.now();
  const db = await PGlite.create({
    ...(dataDir === undefined ? {} : { dataDir }),
    ...(snapshot === undefined ? {} : { loadDataDir: new Blob([await readFile(snapshot)]) }),
  });
  const tOpen = performance.now();
  const client = pgliteClient(db);
  await migrate(client);
  const store = new PostgresStore(client, { durable: dataDir !== undefined, shared: false });
  const t2 = performance.now();
  const id = crypto.randomUUID();
  const now = Date.now();
  await store.create(
    { id, tool: 'upscaler', userId: `user-${id}`, pool: 'default', input: {}, userCreditCost: 60 },
    { maxActivePerUser: 1, now },
  );
  const { job } = await store.start(id, {
    limits: { poolCaps: { default: 3 }, defaultPoolCap: 3, toolCaps: {}, maxRunningPerUser: null },
    now,
  });
  const t3 = performance.now();
  // End the job so the next run from the same directory finds a free slot.
  await store.finish(
    id,
    { status: 'completed' },
    {
      limits: { poolCaps: {}, defaultPoolCap: 3, toolCaps: {}, maxRunningPerUser: null },
      now,
    },
  );
  await store.close();
  const timing: Timing = {
    total: t3,
    importMs: t1 - t0,
    openMs: tOpen - t1,
    migrateMs: t2 - tOpen,
    firstStartMs: t3 - t2,
    status: job.status,
  };
  console.log(JSON.stringify(timing));
}

const run = promisify(execFile);
const self = fileURLToPath(import.meta.url);

async function spawnRun(dataDir?: string, snapshot?: string): Promise<Timing> {
  const args = [
    '--conditions=@jobgate/source',
    self,
    '--child',
    ...(dataDir ? ['--dir', dataDir] : []),
    ...(snapshot ? ['--snapshot', snapshot] : []),
  ];
  const { stdout } = await run(join(process.cwd(), 'node_modules', '.bin', 'tsx'), args);
  return JSON.parse(stdout.trim().split('\n').pop()!) as Timing;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'boolean', default: false },
      dir: { type: 'string' },
      snapshot: { type: 'string' },
      runs: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.child) return child(values.dir, values.snapshot);
  const runs = Number(values.runs);
  const dir = await mkdtemp(join(tmpdir(), 'jobgate-pglite-'));
  try {
    const memory: Timing[] = [];
    for (let i = 0; i < runs; i++) memory.push(await spawnRun());
    const { createPgliteSnapshot } = await import('@jobgate/postgres');
    const snapshotFile = join(dir, 'snapshot.tgz');
    await writeFile(snapshotFile, Buffer.from(await (await createPgliteSnapshot()).arrayBuffer()));
    const fromSnapshot: Timing[] = [];
    for (let i = 0; i < runs; i++) fromSnapshot.push(await spawnRun(undefined, snapshotFile));
    const dataDir = join(dir, 'data');
    const fresh = await spawnRun(dataDir); // initdb + migrate into a new directory
    const saved: Timing[] = [];
    for (let i = 0; i < runs; i++) saved.push(await spawnRun(dataDir));
    const summary = (xs: Timing[]) => ({
      totalMs: Math.round(median(xs.map((x) => x.total))),
      importMs: Math.round(median(xs.map((x) => x.importMs))),
      openMs: Math.round(median(xs.map((x) => x.openMs))),
      migrateMs: Math.round(median(xs.map((x) => x.migrateMs))),
      firstStartMs: Math.round(median(xs.map((x) => x.firstStartMs))),
      status: xs[0]!.status,
    });
    const result = {
      runs,
      inMemory: summary(memory),
      inMemoryFromSnapshot: summary(fromSnapshot),
      newDataDir: summary([fresh]),
      savedDataDir: summary(saved),
    };
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else {
      for (const [name, s] of Object.entries(result)) {
        if (typeof s === 'number') continue;
        console.log(
          `${name.padEnd(20)} process start → first job ${s.status}: ${s.totalMs} ms ` +
            `(imports ${s.importMs} ms, PGlite open ${s.openMs} ms, migrate ${s.migrateMs} ms, ` +
            `create + start ${s.firstStartMs} ms)`,
        );
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
