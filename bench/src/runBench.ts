import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { analyzeRun, type GapStats } from './analyzeRun.js';
import {
  type BenchOptions,
  PROBE_QUEUE_LENGTHS,
  processCountsFor,
  type Workload,
  warmupFor,
} from './benchOptions.js';
import type { BenchSystem, RunSpec, SqlCounts } from './benchSystem.js';
import { describeMachine, type MachineInfo } from './describeMachine.js';
import { type FinishCost, probeFinishCost } from './finishCostProbe.js';
import { runSystem } from './runSystem.js';
import { allSystems, findSystem } from './systems/allSystems.js';
import { CEILING_ID } from './systems/ceilingSystem.js';

export interface RunResult {
  system: string;
  label: string;
  bodyMs: number;
  processes: number;
  /** Submits arrived while jobs finished (absent in results of older runs: false). */
  arriving?: boolean;
  /** Jobs measured (fewer than the workload's when the system is too slow for it). */
  jobs: number;
  warmup: number;
  /** Slots the system was configured with in total (cap, or cap per process). */
  slots: number;
  globalCap: boolean;
  jobsPerSecond: number | null;
  wallMs: number | null;
  handoffMs: GapStats | null;
  maxOverlap: number | null;
  capHeld: boolean | null;
  /** Measured jobs whose body ran in each process. */
  perProcess: number[];
  elapsedMs: number;
  /**
   * SQL statements (round trips) per measured job, by jobgate function, and the mean time each
   * took as the client saw it (ms); null for systems whose SQL the bench does not see.
   */
  sqlPerJob: Record<string, { calls: number; meanMs: number }> | null;
  /** The same for each job submitted (hold and fill of the measured round: the submit path). */
  sqlPerSubmit: Record<string, { calls: number; meanMs: number }> | null;
  error?: string;
}

function perJob(sql: SqlCounts | null, jobs: number): RunResult['sqlPerJob'] {
  if (!sql) return null;
  const out: Record<string, { calls: number; meanMs: number }> = {};
  for (const [name, calls] of Object.entries(sql.calls)) {
    out[name] = {
      calls: Math.round((calls / jobs) * 1000) / 1000,
      meanMs: Math.round(((sql.ms[name] ?? 0) / calls) * 1000) / 1000,
    };
  }
  return out;
}

export interface SystemInfo {
  id: string;
  label: string;
  setup: string;
  globalCap: boolean;
  versions: Record<string, string>;
  maxJobs: number | null;
}

export interface BenchResult {
  generatedAt: string;
  command: string;
  machine: MachineInfo;
  cap: number;
  workloads: Workload[];
  processCounts: number[];
  systems: SystemInfo[];
  runs: RunResult[];
  /** jobgate's finish cost against the queue length, or null when not probed. */
  finishCost: FinishCost[] | null;
  totalMs: number;
  /** 1-minute load average when the run ended. */
  loadAverageAtEnd: number;
}

export function selectSystems(ids: readonly string[]): BenchSystem[] {
  return ids.length === 0 ? [...allSystems] : ids.map(findSystem);
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Each run's jobs/s as a ratio to the ceiling's in the same workload and process count. */
export function ceilingLog(runs: readonly RunResult[]): string[] {
  const lines: string[] = [];
  for (const run of runs) {
    const ceiling = runs.find(
      (r) =>
        r.system === CEILING_ID &&
        r.bodyMs === run.bodyMs &&
        r.processes === run.processes &&
        (r.arriving ?? false) === (run.arriving ?? false),
    );
    if (!ceiling?.jobsPerSecond || run.jobsPerSecond === null || run.system === CEILING_ID)
      continue;
    lines.push(
      `ratio to the ceiling: ${run.label.padEnd(28)} ${String(run.bodyMs).padStart(2)} ms ${run.processes} proc${run.arriving ? ' arriving' : ''}  ` +
        `${(run.jobsPerSecond / ceiling.jobsPerSecond).toFixed(2)}× (${run.jobsPerSecond.toFixed(0)} / ${ceiling.jobsPerSecond.toFixed(0)} jobs/s)`,
    );
  }
  return lines;
}

/** Runs every selected system on every workload and process count, one after the other. */
export async function runBench(options: BenchOptions, command: string): Promise<BenchResult> {
  const started = Date.now();
  const systems = selectSystems(options.systems);
  const machine = await describeMachine(options.databaseUrl, options.redisUrl);
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  let finishCost: FinishCost[] | null = null;
  if (options.probe && systems.some((s) => s.id.startsWith('jobgate'))) {
    const t0 = Date.now();
    try {
      finishCost = await probeFinishCost(options.databaseUrl, PROBE_QUEUE_LENGTHS);
      for (const c of finishCost) {
        log(
          `jobgate finish probe: queue ${String(c.queued).padStart(5)}  p50 ${c.p50Ms.toFixed(2)} ms  p95 ${c.p95Ms.toFixed(2)} ms  ` +
            `rows updated ${c.rowsUpdatedPerFinish}  p50 without NOTIFY trigger ${c.p50MsWithoutNotify.toFixed(2)} ms; ` +
            `one-row update ${c.p50MsOneRowUpdate.toFixed(2)} ms`,
        );
      }
      log(`(probe ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (error) {
      log(`jobgate finish probe FAILED: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const runs: RunResult[] = [];
  let seq = 0;
  for (const workload of options.workloads) {
    for (const processes of processCountsFor(workload, options.processCounts)) {
      for (const system of systems) {
        const jobs = Math.min(workload.jobs, system.maxJobs ?? Number.POSITIVE_INFINITY);
        const warmup = Math.min(
          warmupFor(options, workload.jobs),
          Math.max(6, Math.round(jobs / 5)),
        );
        const id = `${runId}_${seq++}`;
        const spec: RunSpec = {
          runId: id,
          databaseUrl: options.databaseUrl,
          redisUrl: options.redisUrl,
          schema: `bench_${id}`,
          redisPrefix: `jobgate-bench-${id}`,
          queue: 'bench',
          cap: options.cap,
          bodyMs: workload.bodyMs,
          processCount: processes,
          arriving: workload.arriving ?? false,
        };
        const slots = system.globalCap ? options.cap : options.cap * processes;
        const t0 = Date.now();
        const base = {
          system: system.id,
          label: system.label,
          bodyMs: workload.bodyMs,
          processes,
          arriving: workload.arriving ?? false,
          jobs,
          warmup,
          slots,
          globalCap: system.globalCap,
        };
        try {
          const rounds = warmup > 0 ? [warmup, jobs] : [jobs];
          const round = await runSystem(system, spec, rounds);
          const analysis = analyzeRun(round.intervals, slots, round.held);
          runs.push({
            ...base,
            jobsPerSecond: analysis.jobsPerSecond,
            wallMs: analysis.wallMs,
            handoffMs: analysis.handoffMs,
            maxOverlap: analysis.maxOverlap,
            capHeld: analysis.maxOverlap <= options.cap,
            perProcess: round.perProcess,
            elapsedMs: Date.now() - t0,
            sqlPerJob: perJob(round.sql, round.intervals.length),
            sqlPerSubmit: perJob(round.fillSql, round.intervals.length + round.held.length),
          });
          log(
            `${system.label.padEnd(28)} ${String(workload.bodyMs).padStart(2)} ms ×${String(jobs).padStart(5)}  ${processes} proc${workload.arriving ? ' arriving' : ''}  ` +
              `${analysis.jobsPerSecond.toFixed(0).padStart(6)} jobs/s  hand-off p50 ${analysis.handoffMs.p50.toFixed(2)} ` +
              `p95 ${analysis.handoffMs.p95.toFixed(2)} p99 ${analysis.handoffMs.p99.toFixed(2)} ms  ` +
              `max overlap ${analysis.maxOverlap}  (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
          );
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          runs.push({
            ...base,
            jobsPerSecond: null,
            wallMs: null,
            handoffMs: null,
            maxOverlap: null,
            capHeld: null,
            perProcess: [],
            elapsedMs: Date.now() - t0,
            sqlPerJob: null,
            sqlPerSubmit: null,
            error: message,
          });
          log(`${system.label} ${workload.bodyMs} ms ${processes} proc FAILED: ${message}`);
        }
      }
    }
  }
  for (const line of ceilingLog(runs)) log(line);
  return {
    generatedAt: new Date().toISOString(),
    command,
    machine,
    cap: options.cap,
    workloads: options.workloads,
    processCounts: options.processCounts,
    systems: systems.map((s) => ({
      id: s.id,
      label: s.label,
      setup: s.setup,
      globalCap: s.globalCap,
      versions: s.versions(),
      maxJobs: s.maxJobs ?? null,
    })),
    runs,
    finishCost,
    totalMs: Date.now() - started,
    loadAverageAtEnd: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}
