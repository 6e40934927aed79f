import { isTerminal, type Job, JobRunner, type JobStore } from '@jobgate/core';
import { outputFileUrls } from '@jobgate/core/adapter';
import {
  FakeClock,
  MemoryBilling,
  MemoryFileStorage,
  SimulatedProvider,
  seededRandom,
} from '@jobgate/core/testing';
import { tools } from '@jobgate/example-tools';
import { type RequestTally, simulatedUsers } from './simulatedUsers.js';

export interface SimulationReport {
  seed: number;
  store: string;
  users: number;
  /** Simulated milliseconds, clicking plus draining. */
  simulatedMs: number;
  realMs: number;
  /** Job rows created (including refused requests recorded as failed). */
  jobs: number;
  completed: number;
  failed: number;
  cancelled: number;
  /** Jobs still starting/queued/running at the end: must be 0. */
  nonTerminal: number;
  /** Highest number of running jobs seen in the store (cap 3). */
  maxRunning: number;
  /** Highest number of tasks running at once at the provider. */
  providerMaxConcurrent: number;
  maxQueueLength: number;
  /** Jobs ended by healing, and how long they had been stuck (ms, simulated). */
  healed: number;
  healedWaitMs: { max: number; mean: number };
  /** Final error codes of failed/cancelled jobs. */
  errorCodes: Record<string, number>;
  requests: RequestTally;
  provider: SimulatedProvider['stats'];
  /**
   * The files' path: input files handed to the provider (`uploaded`), result files copied
   * into the storage (`stored`), and completed jobs whose results are not all there
   * (`completedUnstored`: must be 0).
   */
  files: { uploaded: number; stored: number; completedUnstored: number };
}

export interface LiveState {
  now: number;
  end: number;
  running: Job[];
  queue: Job[];
  counts: { completed: number; failed: number; cancelled: number; healed: number };
  errors: Record<string, number>;
}

export interface SimulationOptions {
  duration: number;
  users: number;
  seed: number;
  storeName: string;
  store: JobStore;
  /** Called about every simulated 250 ms; may wait (live pacing). */
  onTick?: (state: LiveState) => Promise<void> | void;
}

const CAP = 3;

/** Runs the simulation on a virtual clock: deterministic for a given seed and store. */
export async function runSimulation(options: SimulationOptions): Promise<SimulationReport> {
  const startedReal = performance.now();
  const random = seededRandom(options.seed);
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 9));
  const start = clock.now();
  const end = start + options.duration * 1000;
  const { store } = options;
  const provider = new SimulatedProvider({
    clock,
    seed: options.seed + 1,
    capacity: 4,
    startLatencyMs: [50, 400],
    durationMs: (tool) => (tool === 'video-upscaler' ? [8_000, 20_000] : [2_000, 7_000]),
    rates: { busy: 0.12, reject: 0.05, transient: 0.05, fail: 0.05, lostWebhook: 0.08 },
  });
  // The users upload each job's files here; the runner hands them to the provider and copies
  // the results back before a job completes.
  const storage = new MemoryFileStorage();
  const runner = new JobRunner({
    store,
    provider,
    tools,
    storage,
    clock,
    billing: new MemoryBilling(),
    policy: { globalCap: CAP },
    random,
  });
  provider.onUpdate((jobId, update) => {
    runner.applyUpdate(jobId, update).catch(() => {});
  });
  const stopHealing = runner.startHealing(2_000);

  // What happened, seen from the store's change feed (an independent view of the cap).
  const status = new Map<string, Job['status']>();
  let maxRunning = 0;
  let maxQueueLength = 0;
  const recount = () => {
    let running = 0;
    let queued = 0;
    for (const s of status.values()) {
      if (s === 'running') running++;
      else if (s === 'queued') queued++;
    }
    maxRunning = Math.max(maxRunning, running);
    maxQueueLength = Math.max(maxQueueLength, queued);
  };
  store.subscribe((change) => {
    status.set(change.id, change.status);
    recount();
  });
  const healedJobs: Job[] = [];
  runner.on('healed', (job) => healedJobs.push(job));

  const { done, requests } = simulatedUsers(
    { runner, store, storage, clock, random, end },
    options.users,
  );
  let usersDone = false;
  void done.then(() => {
    usersDone = true;
  });

  const endedCodes = new Map<string, string | null>();
  const live = async (): Promise<LiveState> => {
    const all = await store.list({ status: ['running', 'queued'] });
    const counts = { completed: 0, failed: 0, cancelled: 0, healed: healedJobs.length };
    const errors: Record<string, number> = {};
    for (const [id, s] of status) {
      if (s === 'completed' || s === 'failed' || s === 'cancelled') counts[s]++;
      if (s === 'failed' || s === 'cancelled') {
        // Terminal rows never change: read each one's code once, not on every redraw.
        if (!endedCodes.has(id)) endedCodes.set(id, (await store.get(id))?.errorCode ?? null);
        const code = endedCodes.get(id);
        if (code) errors[code] = (errors[code] ?? 0) + 1;
      }
    }
    return {
      now: clock.now() - start,
      end: end - start,
      running: all.filter((j) => j.status === 'running'),
      queue: all
        .filter((j) => j.status === 'queued')
        .sort((a, b) => (a.position ?? 0) - (b.position ?? 0)),
      counts,
      errors,
    };
  };

  // Drive the virtual clock: users click until `end`, then the system drains (healing
  // ends what requests left behind). Real I/O (PGlite) gets a turn of the event loop.
  const drainLimit = end + 30 * 60_000;
  let tick = 0;
  for (;;) {
    await clock.advance(50);
    await new Promise((resolve) => setImmediate(resolve));
    if (++tick % 5 === 0 && options.onTick) await options.onTick(await live());
    if (clock.now() >= end && usersDone) {
      const active = await store.list({ status: ['starting', 'queued', 'running'] });
      if (active.length === 0 || clock.now() > drainLimit) break;
    }
  }
  stopHealing();
  if (options.onTick) await options.onTick(await live());

  const rows = await store.list({});
  const errorCodes: Record<string, number> = {};
  for (const job of rows) {
    if (job.errorCode && job.status !== 'completed')
      errorCodes[job.errorCode] = (errorCodes[job.errorCode] ?? 0) + 1;
  }
  const waits = healedJobs.map(
    (j) =>
      Date.parse(j.completedAt!) -
      Date.parse(j.status === 'failed' && j.startedAt ? j.startedAt : j.createdAt),
  );
  return {
    seed: options.seed,
    store: options.storeName,
    users: options.users,
    simulatedMs: clock.now() - start,
    realMs: Math.round(performance.now() - startedReal),
    jobs: rows.length,
    completed: rows.filter((j) => j.status === 'completed').length,
    failed: rows.filter((j) => j.status === 'failed').length,
    cancelled: rows.filter((j) => j.status === 'cancelled').length,
    nonTerminal: rows.filter((j) => !isTerminal(j.status)).length,
    maxRunning,
    providerMaxConcurrent: provider.maxConcurrent,
    maxQueueLength,
    healed: healedJobs.length,
    healedWaitMs: {
      max: waits.length ? Math.max(...waits) : 0,
      mean: waits.length ? Math.round(waits.reduce((a, b) => a + b, 0) / waits.length) : 0,
    },
    errorCodes,
    requests: { ...requests },
    provider: { ...provider.stats },
    files: {
      uploaded: provider.uploads.length,
      stored: [...storage.files.keys()].filter((path) => path.includes('/output-')).length,
      completedUnstored: rows.filter(
        (j) =>
          j.status === 'completed' &&
          (outputFileUrls(j.output).length === 0 ||
            !outputFileUrls(j.output).every((path) => storage.files.has(path))),
      ).length,
    },
  };
}
