import { processCountsFor, type Workload } from '../benchOptions.js';
import type { BenchResult, RunResult } from '../runBench.js';

/** Milliseconds with three significant figures or so; '–' for no value. */
export const ms = (v: number | undefined | null): string =>
  v === undefined || v === null || Number.isNaN(v)
    ? '–'
    : Math.abs(v) >= 100
      ? v.toFixed(0)
      : Math.abs(v) >= 10
        ? v.toFixed(1)
        : v.toFixed(2);

export const rate = (v: number | null): string => (v === null ? '–' : v.toFixed(0));

export const ratio = (v: number | null): string =>
  v === null || !Number.isFinite(v) ? '–' : v >= 10 ? `${v.toFixed(0)}×` : `${v.toFixed(2)}×`;

export const procs = (n: number): string => `${n} process${n === 1 ? '' : 'es'}`;

/** One workload at one process count: a table of the report. */
export interface RunConfig {
  workload: Workload;
  bodyMs: number;
  processes: number;
  arriving: boolean;
  /** "0 ms, 4 processes" (", submits arriving" for an arriving workload). */
  title: string;
}

/** Every workload at each of its process counts, in the report's order. */
export const runConfigs = (result: BenchResult): RunConfig[] =>
  result.workloads.flatMap((workload) =>
    processCountsFor(workload, result.processCounts).map((processes) => ({
      workload,
      bodyMs: workload.bodyMs,
      processes,
      arriving: workload.arriving ?? false,
      title: `${workload.bodyMs} ms, ${procs(processes)}${workload.arriving ? ', submits arriving' : ''}`,
    })),
  );

/** True if `run` belongs to the workload and process count of `config`. */
export const inConfig = (run: RunResult, config: Omit<RunConfig, 'workload' | 'title'>) =>
  run.bodyMs === config.bodyMs &&
  run.processes === config.processes &&
  (run.arriving ?? false) === config.arriving;

/** The run of `system` on a workload and process count, unless it failed. */
export const findRun = (
  result: BenchResult,
  system: string,
  bodyMs: number,
  processes: number,
  arriving = false,
) =>
  result.runs.find(
    (r) => r.system === system && inConfig(r, { bodyMs, processes, arriving }) && !r.error,
  );

/** Statements (round trips) per measured job, all kinds summed; null when not counted. */
export const statementsPerJob = (r: RunResult | undefined): number | null =>
  r?.sqlPerJob ? Object.values(r.sqlPerJob).reduce((sum, c) => sum + c.calls, 0) : null;
