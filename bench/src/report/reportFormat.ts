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

/** The run of `system` on a workload and process count, unless it failed. */
export const findRun = (result: BenchResult, system: string, bodyMs: number, processes: number) =>
  result.runs.find(
    (r) => r.system === system && r.bodyMs === bodyMs && r.processes === processes && !r.error,
  );

/** Statements (round trips) per measured job, all kinds summed; null when not counted. */
export const statementsPerJob = (r: RunResult | undefined): number | null =>
  r?.sqlPerJob ? Object.values(r.sqlPerJob).reduce((sum, c) => sum + c.calls, 0) : null;
