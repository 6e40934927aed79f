import type { BenchResult } from '../runBench.js';
import { findRun, procs, ratio } from './reportFormat.js';

/** jobgate's jobs/s and p50 gap against each peer's, per workload and process count. */
export function ratiosTable(result: BenchResult): string[] {
  const mine = result.systems.filter((s) => s.id === 'jobgate' || s.id === 'jobgate-store');
  const peers = result.systems.filter((s) => !s.id.startsWith('jobgate'));
  if (mine.length === 0 || peers.length === 0) return [];
  const head = mine.flatMap((m) => [`${m.label}: jobs/s ratio`, `${m.label}: p50 gap ratio`]);
  const lines = [
    `| peer | workload | ${head.join(' | ')} |`,
    `|---|---|${head.map(() => '---:').join('|')}|`,
  ];
  for (const workload of result.workloads) {
    for (const processes of result.processCounts) {
      for (const peer of peers) {
        const theirs = findRun(result, peer.id, workload.bodyMs, processes);
        const cells = mine.flatMap((m) => {
          const ours = findRun(result, m.id, workload.bodyMs, processes);
          if (!ours || !theirs || ours.jobsPerSecond === null || theirs.jobsPerSecond === null)
            return ['–', '–'];
          return [
            ratio(ours.jobsPerSecond / theirs.jobsPerSecond),
            ratio((ours.handoffMs?.p50 ?? Number.NaN) / (theirs.handoffMs?.p50 ?? Number.NaN)),
          ];
        });
        lines.push(
          `| ${peer.label} | ${workload.bodyMs} ms, ${procs(processes)} | ${cells.join(' | ')} |`,
        );
      }
    }
  }
  return lines;
}
