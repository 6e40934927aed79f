import type { JobInterval } from './analyzeRun.js';

/** Where one run (one system, one workload, one process count) keeps its state. */
export interface RunSpec {
  runId: string;
  databaseUrl: string;
  redisUrl: string;
  /** PostgreSQL schema of this run (dropped afterwards). */
  schema: string;
  /** Redis key prefix of this run (deleted afterwards). */
  redisPrefix: string;
  queue: string;
  /** Global cap of the workload. */
  cap: number;
  bodyMs: number;
  processCount: number;
  /** Submits arrive while jobs finish: `fill` runs after `go`, concurrently with the jobs. */
  arriving?: boolean;
}

/** What a worker process gives its system: the run and the recorder. */
export interface WorkerContext {
  spec: RunSpec;
  /** Called by the job body with its start and end (bench clock). */
  record(interval: JobInterval): void;
  /** Called for a job that held a slot before the measured jobs were released. */
  recordHeld(interval: JobInterval): void;
}

/** Statements sent per SQL function (round trips), and the time spent waiting for them. */
export interface SqlCounts {
  calls: Record<string, number>;
  ms: Record<string, number>;
}

/** One system's worker, inside a worker process. */
export interface SystemWorker {
  /** Takes `count` slots with jobs that run until `go` (systems that fill slots by push). */
  hold(count: number): Promise<void>;
  /**
   * Enqueues `count` jobs (this process's share of the round) with the system's own submit;
   * when `spec.arriving`, after `go`, while the jobs run.
   */
  fill(count: number): Promise<void>;
  /** Starts processing (or releases the held jobs). */
  go(): Promise<void>;
  /** Stops processing once the round is done. */
  stop(): Promise<void>;
  close(): Promise<void>;
  /** Statement counts of the measured round (systems whose SQL the bench can see). */
  sqlCounts?: { reset(): void; read(): SqlCounts };
}

export interface BenchSystem {
  id: string;
  label: string;
  /** Package versions used, read from the installed packages. */
  versions(): Record<string, string>;
  /** True if the system enforces the cap across processes (else each process runs `cap`). */
  globalCap: boolean;
  /** How the system was configured, in one line for the report. */
  setup: string;
  /** Jobs per run at most (a system too slow for the full N runs fewer; said in the report). */
  maxJobs?: number;
  /** Slots taken with `hold` before the measured jobs are released (push systems). */
  heldSlots: number;
  prepare(spec: RunSpec): Promise<void>;
  cleanup(spec: RunSpec): Promise<void>;
  createWorker(context: WorkerContext): Promise<SystemWorker>;
}
