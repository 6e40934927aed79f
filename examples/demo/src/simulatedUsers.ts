import { isTerminal, type Job, JobGateError, type JobRunner, type JobStore } from '@jobgate/core';
import type { FakeClock, MemoryFileStorage } from '@jobgate/core/testing';
import { invalidInputs, type sampleInputs, tools, uploadSampleInput } from '@jobgate/example-tools';

const RATE_LIMIT = { perMinute: 5 };

/** What the users saw: accepted submits, refused requests by code. */
export interface RequestTally {
  submitted: number;
  refused: Record<string, number>;
}

/** What the users act on. `random` is the simulation's seeded stream, shared for determinism. */
export interface UserWorld {
  runner: JobRunner;
  store: JobStore;
  /** Where the users' browsers upload a job's files before its submit. */
  storage: MemoryFileStorage;
  clock: FakeClock;
  random: () => number;
  /** Users stop clicking at this instant (ms, on `clock`). */
  end: number;
}

/**
 * `count` users clicking until `end`, each in its own loop: ordinary submits followed to the
 * end, invalid inputs, an old client's double submit, a double click, a request that dies
 * midway, and now and then a user who gives up a place far back in the queue. `done`
 * resolves when every user stopped; `requests` counts what they saw as it happens.
 */
export function simulatedUsers(
  world: UserWorld,
  count: number,
): { done: Promise<void>; requests: RequestTally } {
  const { runner, store, storage, clock, random, end } = world;
  const requests: RequestTally = { submitted: 0, refused: {} };
  const recentRequests = new Map<string, number[]>();
  const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const uuid = () => {
    const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  };

  /** A job's valid input, its files uploaded first (at the job's own paths), as a browser does. */
  const upload = (tool: keyof typeof sampleInputs, userId: string, jobId: string) =>
    uploadSampleInput(storage, tool, { userId, jobId });

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
      requests.submitted++;
      return job;
    } catch (error) {
      const code = error instanceof JobGateError ? error.code : 'INTERNAL';
      requests.refused[code] = (requests.refused[code] ?? 0) + 1;
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
        const other = uuid();
        const [a] = await Promise.all([
          post(userId, jobId, tool, upload(tool, userId, jobId)),
          post(userId, other, tool, upload(tool, userId, other)),
        ]);
        if (a) await follow(userId, jobId);
      } else if (roll < 0.18) {
        // A double click that repeats the same request (same id).
        const input = upload(tool, userId, jobId);
        const [a] = await Promise.all([
          post(userId, jobId, tool, input),
          post(userId, jobId, tool, input),
        ]);
        if (a) await follow(userId, jobId);
      } else if (roll < 0.23) {
        // The request dies midway: after the row exists, maybe after it took a slot.
        const t = runner.tools.get(tool);
        try {
          await store.create(
            {
              id: jobId,
              tool,
              userId,
              pool: t.pool,
              input: upload(tool, userId, jobId),
              userCreditCost: 0,
            },
            { maxActivePerUser: 1, now: clock.now() },
          );
          if (random() < 0.5)
            await store.start(jobId, { limits: runner.policy.limits, now: clock.now() });
        } catch {
          // refused: the user had an active job
        }
      } else {
        const job = await post(userId, jobId, tool, upload(tool, userId, jobId));
        if (job) await follow(userId, jobId);
      }
      await sleep(3_000 + random() * 12_000);
    }
  };

  const users = Array.from({ length: count }, (_, i) => user(i));
  return { done: Promise.all(users).then(() => undefined), requests };
}
