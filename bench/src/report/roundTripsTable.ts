import type { BenchResult, RunResult } from '../runBench.js';
import { findRun, runConfigs, statementsPerJob } from './reportFormat.js';

/** Statements per measured job of every system, per workload and process count. */
export function roundTripsTable(result: BenchResult): string[] {
  if (!result.runs.some((r) => r.sqlPerJob)) return [];
  const configs = runConfigs(result);
  const total = (r: RunResult | undefined): string => statementsPerJob(r)?.toFixed(2) ?? '–';
  return [
    '## Round trips per job',
    '',
    'Statements sent to PostgreSQL per measured job (Redis commands for BullMQ on Redis, where pipelined commands share a round trip), summed over every worker process (polls of idle workers included): jobgate counted through its SQL client, the peers by wrapping `pg`’s `Client.query` and ioredis’s `sendCommand`. The labels of each statement are in benchmarks.json (`sqlPerJob`).',
    '',
    `| system | ${configs.map((c) => c.title).join(' | ')} |`,
    `|---|${configs.map(() => '---:').join('|')}|`,
    ...result.systems.map(
      (s) =>
        `| ${s.label} | ${configs.map((c) => total(findRun(result, s.id, c.bodyMs, c.processes, c.arriving))).join(' | ')} |`,
    ),
    '',
  ];
}
