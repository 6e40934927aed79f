import { isTerminal, type Job, JobGateError, JobRunner, type JobStore } from '@jobgate/core';
import { FakeClock, MemoryBilling, SimulatedProvider, seededRandom } from '@jobgate/core/testing';
import { invalidInputs, sampleInputs, tools } from '@jobgate/example-tools';

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
  /** What the users saw: accepted submits, refused requests by code. */
  requests: { submitted: number; refused: Record<string, number> };
  provider: SimulatedProvider['stats'];
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
const RATE_LIMIT = { perMinute: 5 };

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
  const runner = new JobRunner({
    store,
    provider,
    tools,
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

  const refused: Record<string, number> = {};
  let submitted = 0;
  const recentRequests = new Map<string, number[]>();
  const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const uuid = () => {
    const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  };

  /** The server's front door: a per-user rate limit, then the runner. */
  const post = async (
    userId: string,
    jobId: string,
    tool: string,
    input: unknown,
  ): Promise<Job | null> => {
    const now = clock.now();
    const recent = (recentRequests.get(userId) ?? []).filter((t) => now - t < 60_000);
    recent.push(now);
    recentRequests.set(userId, recent);
    try {
      if (recent.length > RATE_LIMIT.perMinute) {
        throw new JobGateError('RATE_LIMITED', `at most ${RATE_LIMIT.perMinute} runs a minute`, {
          jobId,
        });
      }
      const job = await runner.submit({ jobId, tool, userId, input });
      submitted++;
      return job;
    } catch (error) {
      const code = error instanceof JobGateError ? error.code : 'INTERNAL';
      refused[code] = (refused[code] ?? 0) + 1;
      // A refused request leaves no row; a job submit created is terminal before it throws.
      return null;
    }
  };

  const follow = async (userId: string, jobId: string) => {
    for (;;) {
      await sleep(500);
      const job = await store.get(jobId);
      if (!job || isTerminal(job.status)) return;
      if (job.status === 'queued' && (job.position ?? 0) > 2 && random() < 0.01) {
        await runner.cancel({ jobId, userId, confirm: true }).catch(() => {});
      }
    }
  };

  const user = async (index: number) => {
    const userId = `user-${String(index + 1).padStart(2, '0')}`;
    await sleep(random() * 3_000);
    while (clock.now() < end) {
      const tool = pick(tools).id as keyof typeof sampleInputs;
      const roll = random();
      const jobId = uuid();
      if (roll < 0.07) {
        await post(userId, jobId, tool, invalidInputs[tool]);
      } else if (roll < 0.13) {
        // An old cached client without the lock: two requests, two ids, at once.
        const [a] = await Promise.all([
          post(userId, jobId, tool, sampleInputs[tool]),
          post(userId, uuid(), tool, sampleInputs[tool]),
        ]);
        if (a) await follow(userId, jobId);
      } else if (roll < 0.18) {
        // A double click that repeats the same request (same id).
        const [a] = await Promise.all([
          post(userId, jobId, tool, sampleInputs[tool]),
          post(userId, jobId, tool, sampleInputs[tool]),
        ]);
        if (a) await follow(userId, jobId);
      } else if (roll < 0.23) {
        // The request dies midway: after the row exists, maybe after it took a slot.
        const t = runner.tools.get(tool);
        try {
          await store.create(
            { id: jobId, tool, userId, pool: t.pool, input: sampleInputs[tool], userCreditCost: 0 },
            { maxActivePerUser: 1, now: clock.now() },
          );
          if (random() < 0.5)
            await store.start(jobId, { limits: runner.policy.limits, now: clock.now() });
        } catch {
          // refused: the user had an active job
        }
      } else {
        const job = await post(userId, jobId, tool, sampleInputs[tool]);
        if (job) await follow(userId, jobId);
      }
      await sleep(3_000 + random() * 12_000);
    }
  };

  const users = Array.from({ length: options.users }, (_, i) => user(i));
  let usersDone = false;
  void Promise.all(users).then(() => {
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
    requests: { submitted, refused },
    provider: { ...provider.stats },
  };
}
