import type { BenchResult, RunResult } from '../runBench.js';
import { ms, procs, ratio } from './reportFormat.js';

const statements = (counts: RunResult['sqlPerJob']): string =>
  counts
    ? Object.entries(counts)
        .map(([name, c]) => `\`${name}\` ${c.calls} (${ms(c.meanMs)} ms)`)
        .join(', ')
    : '–';

/** jobgate's statements per job and per submit, and the finish-cost probe against the queue length. */
export function whereJobgateSpendsTime(result: BenchResult): string[] {
  const out: string[] = [];
  const counted = result.runs.filter(
    (r) => r.system.startsWith('jobgate') && r.sqlPerJob && !r.error,
  );
  if (counted.length === 0 && !result.finishCost) return out;
  out.push('## Where jobgate spends its time', '');
  if (counted.length) {
    out.push(
      'SQL statements (round trips) per measured job, counted by a wrapper around the SQL client, with the mean time of each as the client saw it:',
      '',
      '| run | statements per job (mean ms each) | statements per submit, while filling the queue |',
      '|---|---|---|',
      ...counted.map(
        (r) =>
          `| ${r.label}, ${r.bodyMs} ms, ${procs(r.processes)}${r.arriving ? ', submits arriving' : ''} | ${statements(r.sqlPerJob)} | ${statements(r.sqlPerSubmit ?? null)} |`,
      ),
      '',
    );
    if (counted.some((r) => r.sqlPerSubmit?.['heal'])) {
      out.push(
        "A `JobRunner.submit` that queues also heals its own pool (`healOnRequest`, on by default): `jobgate_heal(p_pool => …)` takes that pool's slot lock only, and only when the pool has something to heal or a free slot next to its queue. The submit column shows what each statement cost while the queue was being filled by 8 concurrent submitters per process.",
        '',
      );
    }
  }
  const cost = result.finishCost;
  if (cost && cost.length) {
    out.push(
      `Cost of one \`jobgate_finish\` (end a running job, free its slot, promote the queue head) against the length of the queue: ${cost[0]!.samples} calls one at a time, each in its own transaction (one job joins the tail after each, untimed, so the queue keeps its length), rows updated read from \`pg_stat_xact_user_tables\`. Then ${cost[0]!.samples} more after \`ALTER TABLE … DISABLE TRIGGER jobgate_jobs_notify\` in the probe's own schema:`,
      '',
      '| queued jobs | finish p50 (ms) | p95 | rows updated per finish | p50 without the NOTIFY trigger | reference: one-row UPDATE transaction p50 |',
      '|---:|---:|---:|---:|---:|---:|',
      ...cost.map(
        (c) =>
          `| ${c.queued} | ${ms(c.p50Ms)} | ${ms(c.p95Ms)} | ${c.rowsUpdatedPerFinish} | ${ms(c.p50MsWithoutNotify)} | ${ms(c.p50MsOneRowUpdate)} |`,
      ),
      '',
    );
    const first = cost[0]!;
    const last = cost[cost.length - 1]!;
    out.push(
      last.rowsUpdatedPerFinish <= first.rowsUpdatedPerFinish
        ? `The rows updated per finish do not grow with the queue (${first.rowsUpdatedPerFinish} with ${first.queued} queued, ${last.rowsUpdatedPerFinish} with ${last.queued}): the finished job and the promoted one. Positions are computed when read (migration 007), so a promotion writes no other row and sends one "queue moved" notice for the pool instead of one per waiting job. The finish p50 is ${ratio(last.p50Ms / first.p50Ms)} at ${last.queued} queued what it is at ${first.queued}; a transaction that updates one row costs ${ms(last.p50MsOneRowUpdate)} ms here (what a commit alone costs on this machine).`
        : `The rows updated per finish grow with the queue (${first.rowsUpdatedPerFinish} with ${first.queued} queued, ${last.rowsUpdatedPerFinish} with ${last.queued}).`,
      '',
    );
  }
  return out;
}
