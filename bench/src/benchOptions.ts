import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** The repository's docs folder, wherever the command is run from. */
export const DOCS_DIR = fileURLToPath(new URL('../../docs/', import.meta.url));

export interface Workload {
  bodyMs: number;
  jobs: number;
  /**
   * Submits arriving while jobs finish: each process submits its share with the system's own
   * submit while it runs the jobs (instead of a queue filled before the start). Run with the
   * multi-process counts only.
   */
  arriving?: boolean;
}

export interface BenchOptions {
  workloads: Workload[];
  /** Process counts to run each workload with. */
  processCounts: number[];
  /** Jobs run (and discarded) before each measured round; null = per workload. */
  warmup: number | null;
  /** System ids, in report order; empty = all. */
  systems: string[];
  cap: number;
  databaseUrl: string;
  redisUrl: string;
  /** Where benchmarks.md/.json/-handoff.svg go; null = do not write. */
  outDir: string | null;
  quick: boolean;
  /** Time jobgate's finish against the queue length (docs evidence). */
  probe: boolean;
  /** Re-render the report from this benchmarks.json instead of running. */
  fromJson: string | null;
}

/** Queue lengths of the finish-cost probe: the cost of a hand-off must not grow with them. */
export const PROBE_QUEUE_LENGTHS = [10, 100, 1_000, 10_000];

export const DEFAULT_WORKLOADS: readonly Workload[] = [
  { bodyMs: 0, jobs: 2_000 },
  { bodyMs: 5, jobs: 600 },
  { bodyMs: 0, jobs: 2_000, arriving: true },
];

/** The process counts a workload runs with: an arriving workload only with more than one. */
export const processCountsFor = (workload: Workload, counts: readonly number[]): number[] =>
  workload.arriving ? counts.filter((p) => p > 1) : [...counts];

export const QUICK_SYSTEMS = ['jobgate', 'bullmq-redis'];

export const USAGE = `npm run bench                                (everything, defaults)
npm run bench -w @jobgate/bench -- [options]       (from the repository root)
  --jobs N          jobs per measured round (default 2000 with 0 ms bodies, 600 with 5 ms)
  --body-ms MS      one workload with this body (default: 0 ms and 5 ms, and 0 ms arriving)
  --arriving        with --body-ms: also the workload whose submits arrive while jobs finish
  --processes 1,4   process counts (default 1,4)
  --warmup N        warm-up jobs before each measured round (default N/10, 20..200)
  --systems a,b     systems to run (default all): jobgate, jobgate-store, pg-boss-work,
                    pg-boss-fetch, graphile-worker, bullmq-redis, bullmq-postgres, dbos,
                    ceiling (the database's own limit: one SQL hand-off per call)
  --no-probe        skip the probe of jobgate's finish cost against the queue length (10 to 10,000)
  --quick           smoke run: 30 jobs, jobgate + BullMQ (Redis), nothing written
  --out DIR         write benchmarks.md/.json/-handoff.svg there (default: the repo's docs/)
  --no-write        print the JSON result instead of writing files
  --from-json FILE  only re-render the report (md, svg) from a benchmarks.json`;

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const positive = (value: string, name: string, min = 1): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}`);
  return n;
};

export function parseBenchOptions(argv: readonly string[], env = process.env): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      jobs: { type: 'string' },
      'body-ms': { type: 'string' },
      processes: { type: 'string' },
      warmup: { type: 'string' },
      systems: { type: 'string' },
      quick: { type: 'boolean', default: false },
      arriving: { type: 'boolean', default: false },
      out: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
      'no-probe': { type: 'boolean', default: false },
      'from-json': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(USAGE);
  const quick = values.quick ?? false;
  const jobs = values.jobs === undefined ? null : positive(values.jobs, '--jobs');
  const bodyMs =
    values['body-ms'] === undefined ? null : positive(values['body-ms'], '--body-ms', 0);
  let workloads: Workload[];
  if (bodyMs !== null) {
    const workload = { bodyMs, jobs: jobs ?? (bodyMs === 0 ? 2_000 : 600) };
    workloads = values.arriving ? [workload, { ...workload, arriving: true }] : [workload];
  } else if (quick) workloads = [{ bodyMs: 0, jobs: jobs ?? 30 }];
  else workloads = DEFAULT_WORKLOADS.map((w) => ({ ...w, jobs: jobs ?? w.jobs }));
  const processCounts = values.processes
    ? list(values.processes).map((p) => positive(p, '--processes'))
    : [1, 4];
  const systems = values.systems ? list(values.systems) : quick ? QUICK_SYSTEMS : [];
  const write = !(values['no-write'] ?? false) && !(quick && values.out === undefined);
  return {
    workloads,
    processCounts,
    warmup:
      values.warmup === undefined ? (quick ? 6 : null) : positive(values.warmup, '--warmup', 0),
    systems,
    cap: 3,
    databaseUrl: env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test',
    redisUrl: env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    outDir: write
      ? values.out === undefined
        ? DOCS_DIR
        : resolve(env['INIT_CWD'] ?? process.cwd(), values.out)
      : null,
    quick,
    probe: !quick && !(values['no-probe'] ?? false),
    fromJson:
      values['from-json'] === undefined
        ? null
        : resolve(env['INIT_CWD'] ?? process.cwd(), values['from-json']),
  };
}

export function warmupFor(options: BenchOptions, jobs: number): number {
  if (options.warmup !== null) return options.warmup;
  return Math.min(200, Math.max(20, Math.round(jobs / 10)));
}
