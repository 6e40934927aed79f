import type { BenchResult } from '../runBench.js';
import { CEILING_ID } from '../systems/ceilingSystem.js';
import { findRun, ratio, runConfigs } from './reportFormat.js';

/** jobgate's jobs/s and p50 gap against each peer's, per workload and process count. */
export function ratiosTable(result: BenchResult): string[] {
  const mine = result.systems.filter((s) => s.id === 'jobgate' || s.id === 'jobgate-store');
  // The ceiling is no peer: every system's ratio to it has a table of its own.
  const peers = result.systems.filter((s) => !s.id.startsWith('jobgate') && s.id !== CEILING_ID);
  if (mine.length === 0 || peers.length === 0) return [];
  const head = mine.flatMap((m) => [`${m.label}: jobs/s ratio`, `${m.label}: p50 gap ratio`]);
  const lines = [
    `| peer | workload | ${head.join(' | ')} |`,
    `|---|---|${head.map(() => '---:').join('|')}|`,
  ];
  for (const c of runConfigs(result)) {
    for (const peer of peers) {
      const theirs = findRun(result, peer.id, c.bodyMs, c.processes, c.arriving);
      const cells = mine.flatMap((m) => {
        const ours = findRun(result, m.id, c.bodyMs, c.processes, c.arriving);
        if (!ours || !theirs || ours.jobsPerSecond === null || theirs.jobsPerSecond === null)
          return ['–', '–'];
        return [
          ratio(ours.jobsPerSecond / theirs.jobsPerSecond),
          ratio((ours.handoffMs?.p50 ?? Number.NaN) / (theirs.handoffMs?.p50 ?? Number.NaN)),
        ];
      });
      lines.push(`| ${peer.label} | ${c.title} | ${cells.join(' | ')} |`);
    }
  }
  return lines;
}
