import type { BenchResult } from '../runBench.js';
import { CEILING_ID } from '../systems/ceilingSystem.js';
import { findRun, ratio, runConfigs } from './reportFormat.js';

/**
 * Every system's jobs/s as a ratio to the ceiling's (the database's own limit for a hand-off)
 * in the same workload and process count; empty when the ceiling did not run.
 */
export function ceilingTable(result: BenchResult): string[] {
  const configs = runConfigs(result).filter((c) =>
    findRun(result, CEILING_ID, c.bodyMs, c.processes, c.arriving),
  );
  if (configs.length === 0) return [];
  const systems = result.systems.filter((s) => s.id !== CEILING_ID);
  const cell = (id: string, c: (typeof configs)[number]): string => {
    const ceiling = findRun(result, CEILING_ID, c.bodyMs, c.processes, c.arriving);
    const run = findRun(result, id, c.bodyMs, c.processes, c.arriving);
    if (!ceiling?.jobsPerSecond || !run || run.jobsPerSecond === null) return '–';
    return ratio(run.jobsPerSecond / ceiling.jobsPerSecond);
  };
  const ceilingRate = (c: (typeof configs)[number]): string =>
    findRun(result, CEILING_ID, c.bodyMs, c.processes, c.arriving)?.jobsPerSecond?.toFixed(0) ??
    '–';
  return [
    '## Ratio to the ceiling',
    '',
    "The ceiling is the database's own limit for this work in the same run: the minimal hand-off (lock the pool row, end the running job, claim the queue head, commit) as one PL/pgSQL call, with one connection per worker process (as many clients as the systems have processes), and its bodies run as every system's. Each cell is a system's jobs/s ÷ the ceiling's (1.00× = the database's limit). The ceiling holds the global cap; a system without one (pg-boss, graphile-worker) runs `cap` slots in each process, so across processes its ratio is not like for like.",
    '',
    `| system | ${configs.map((c) => c.title).join(' | ')} |`,
    `|---|${configs.map(() => '---:').join('|')}|`,
    `| *ceiling, jobs/s* | ${configs.map(ceilingRate).join(' | ')} |`,
    ...systems.map((s) => `| ${s.label} | ${configs.map((c) => cell(s.id, c)).join(' | ')} |`),
    '',
  ];
}
