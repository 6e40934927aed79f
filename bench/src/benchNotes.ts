import type { BenchResult } from './runBench.js';
import { DBOS_POLLING_MS } from './systems/dbosSystem.js';

/** The method notes under the generated tables. */
export function benchNotes(result: BenchResult): string[] {
  const work = result.systems.find((s) => s.id === 'pg-boss-work');
  const notes = ['## Notes', ''];
  notes.push(
    "- **jobgate (JobRunner)** is what an app runs: `JobRunner.submit` creates and starts each job (it takes a slot or queues); the provider is an in-process stand-in with no latency whose task is the workload's body. When a body ends, the completion is applied through `JobRunner.applyUpdate` (as a webhook would be), once the task id is saved: one `finish` call (no read before it: it checks the task id itself) ends the job, frees its slot and claims the queue head in one transaction, and the runner starts the promoted job at the provider (that call is the next job's start) and records its task id (`attach_task`). Lifecycle timestamps come from the database clock. Before the measured jobs are enqueued, three held jobs take the three slots; releasing them starts the round, and their ends count as the first hand-offs.",
    "- **jobgate (store protocol)** drives the PostgresStore directly: at a body's end one `finish` call, and the promoted job's body starts when it returns. The two rows differ by the runner's own work per job (an `attach_task`, and the runner's events).",
    '- Because jobgate pushes the next job from the process that finished the previous one, its jobs run in the processes that held the slots at the start (at most `cap` of them); the other processes only enqueue. The pull-based peers spread jobs over every process.',
  );
  if (work) {
    notes.push(
      `- **pg-boss work()** waits \`pollingIntervalSeconds\` (at least 0.5 s) after each fetch, even when jobs are waiting, so it runs at most ${work.maxJobs ?? '–'} jobs per round (otherwise a 2,000-job round would take minutes); its hand-off gap is that polling interval.`,
    );
  }
  notes.push(
    "- **BullMQ's Postgres backend**: bullmq 6.7 ships one (`createPostgresBackend`, used through `withBackend`, with `pg` as its driver); its global concurrency takes a transaction-scoped advisory lock and counts active jobs, and `move_to_completed_fetch` completes a job and claims the next one in one call.",
  );
  const ran = (id: string) => result.systems.some((s) => s.id === id);
  const arriving = result.workloads.some((w) => w.arriving);
  notes.push(
    ...(ran('dbos')
      ? [
          `- **DBOS Transact**: one workflow per job on one queue registered with \`globalConcurrency: cap\` (counted in its system database, global across the processes) and \`minPollingIntervalMs: ${DBOS_POLLING_MS}\`, the smallest its typings allow (the default is 1000 ms); everything else at its defaults. Jobs are enqueued with \`DBOSClient.enqueue\`; each process dispatches from \`DBOS.launch()\`. Its dispatcher polls: a completion does not wake it, so a freed slot waits for the next poll, and a poll that meets contention doubles the interval (a clean poll shrinks it by 10 %, never below the minimum).`,
        ]
      : []),
    ...(ran('ceiling')
      ? [
          "- **ceiling (one SQL hand-off)** is the database's own limit for this work, in the same harness: a pool row (running count, cap) and a jobs table in the run's schema; at each body's end one PL/pgSQL call `handoff(job)` locks the pool row, ends the job, claims the queue head if a slot is free and commits (synchronous commit). One `pg` connection per worker process (one statement at a time: as many clients as the systems have processes). With submits arriving, each submit is one `submit()` call (lock the pool, insert, start the job if a slot is free). No idempotency, users, rate limits or history: what any system with a strict global cap on PostgreSQL has to pay at the least.",
        ]
      : []),
    ...(arriving
      ? [
          "- **Submits arriving while jobs finish**: each process submits its share after the start, with the system's own submit of one job (jobgate `JobRunner.submit`, graphile-worker `addJob`, pg-boss `send`, BullMQ `Queue.add`, DBOS `DBOSClient.enqueue`, the ceiling's `submit()`), 8 submitters per process, while it runs the jobs that finishes promote; the statements of those submits count in the round's per-job figures.",
        ]
      : []),
    '- Each run uses its own PostgreSQL schema (or Redis key prefix), dropped (deleted) afterwards.',
  );
  return notes;
}
