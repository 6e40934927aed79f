import type { BenchResult, RunResult } from '../runBench.js';
import { CEILING_ID } from '../systems/ceilingSystem.js';
import { findRun, ms, procs, rate, ratio, runConfigs, statementsPerJob } from './reportFormat.js';

const yes = (ok: boolean | null): string => (ok === null ? 'n/a' : ok ? '✅ yes' : '❌ no');

/** "jobgate's jobs/s ≥ factor × the peer's" as a row, when both ran. */
function atLeast(
  aim: string,
  where: string,
  ours: RunResult | undefined,
  theirs: RunResult | undefined,
  factor: number,
): string[] {
  if (!ours || !theirs || ours.jobsPerSecond === null || theirs.jobsPerSecond === null) return [];
  const met = ours.jobsPerSecond >= factor * theirs.jobsPerSecond && ours.capHeld !== false;
  return [
    `| ${aim} | ${where} | ${rate(ours.jobsPerSecond)} vs ${rate(theirs.jobsPerSecond)} jobs/s (${ratio(ours.jobsPerSecond / theirs.jobsPerSecond)}), max overlap ${ours.maxOverlap} | ${yes(met)} |`,
  ];
}

/** The aims against the ceiling and DBOS, with and without submits arriving during the run. */
function ceilingAndDbosAims(result: BenchResult): string[] {
  const lines: string[] = [];
  const zero = result.workloads.find((w) => w.bodyMs === 0 && !w.arriving);
  if (zero) {
    lines.push(
      ...atLeast(
        "throughput ≥ 0.8× the ceiling (the database's own limit for a hand-off)",
        `0 ms, 1 process, ${zero.jobs} queued`,
        findRun(result, 'jobgate', 0, 1),
        findRun(result, CEILING_ID, 0, 1),
        0.8,
      ),
    );
  }
  const multi = result.processCounts.find((p) => p > 1);
  if (multi === undefined) return lines;
  for (const arriving of [false, true]) {
    if (!result.workloads.some((w) => w.bodyMs === 0 && (w.arriving ?? false) === arriving))
      continue;
    const where = `0 ms, ${procs(multi)}${arriving ? ', submits arriving' : ''}`;
    const ours = findRun(result, 'jobgate', 0, multi, arriving);
    for (const [id, name] of [
      ['bullmq-postgres', "BullMQ's Postgres backend"],
      ['dbos', 'DBOS'],
    ] as const) {
      if (id === 'bullmq-postgres' && !arriving) continue; // a row of its own above
      lines.push(
        ...atLeast(
          `throughput ≥ 1.5× ${name}'s, cap held`,
          where,
          ours,
          findRun(result, id, 0, multi, arriving),
          1.5,
        ),
      );
    }
  }
  return lines;
}

/** The aims of the queue-at-scale work, each against the peer it names, from this one run. */
export function aimsTable(result: BenchResult): string[] {
  const lines: string[] = [];
  const zero = result.workloads.find((w) => w.bodyMs === 0);
  if (zero) {
    const ours = findRun(result, 'jobgate', 0, 1);
    const gw = findRun(result, 'graphile-worker', 0, 1);
    const where = `0 ms, 1 process, ${ours?.jobs ?? zero.jobs} queued`;
    if (ours?.handoffMs && ours.jobsPerSecond !== null) {
      if (gw?.handoffMs && gw.jobsPerSecond !== null) {
        lines.push(
          `| throughput ≥ 1.3× graphile-worker's | ${where} | ${rate(ours.jobsPerSecond)} vs ${rate(gw.jobsPerSecond)} jobs/s (${ratio(ours.jobsPerSecond / gw.jobsPerSecond)}) | ${yes(ours.jobsPerSecond >= 1.3 * gw.jobsPerSecond)} |`,
          `| hand-off p50 ≤ graphile-worker's | ${where} | ${ms(ours.handoffMs.p50)} vs ${ms(gw.handoffMs.p50)} ms | ${yes(ours.handoffMs.p50 <= gw.handoffMs.p50)} |`,
        );
      }
      lines.push(
        `| throughput ≥ 2,000 jobs/s (the 20-line SQL prototype's floor) | ${where} | ${rate(ours.jobsPerSecond)} jobs/s | ${yes(ours.jobsPerSecond >= 2_000)} |`,
        `| hand-off p50 ≤ 1 ms | ${where} | ${ms(ours.handoffMs.p50)} ms | ${yes(ours.handoffMs.p50 <= 1)} |`,
      );
    }
    const multi = result.processCounts.find((p) => p > 1);
    if (multi !== undefined) {
      const many = findRun(result, 'jobgate', 0, multi);
      const bull = findRun(result, 'bullmq-postgres', 0, multi);
      const there = `0 ms, ${procs(multi)}`;
      if (many && many.jobsPerSecond !== null) {
        if (bull && bull.jobsPerSecond !== null) {
          lines.push(
            `| throughput ≥ 1.5× BullMQ's Postgres backend (the Postgres peer that holds a global cap) | ${there} | ${rate(many.jobsPerSecond)} vs ${rate(bull.jobsPerSecond)} jobs/s (${ratio(many.jobsPerSecond / bull.jobsPerSecond)}) | ${yes(many.jobsPerSecond >= 1.5 * bull.jobsPerSecond)} |`,
          );
        }
        lines.push(
          `| throughput ≥ 1,000 jobs/s with the cap held | ${there} | ${rate(many.jobsPerSecond)} jobs/s, max overlap ${many.maxOverlap} | ${yes(many.jobsPerSecond >= 1_000 && many.capHeld)} |`,
        );
      }
    }
  }
  lines.push(...ceilingAndDbosAims(result));
  const cost = result.finishCost;
  if (cost && cost.length > 1) {
    const first = cost[0]!;
    const last = cost[cost.length - 1]!;
    lines.push(
      `| finish p50 with ${last.queued} queued ≤ 1.3× with ${first.queued} queued | finish-cost probe | ${ms(last.p50Ms)} vs ${ms(first.p50Ms)} ms (${ratio(last.p50Ms / first.p50Ms)}); rows updated ${last.rowsUpdatedPerFinish} vs ${first.rowsUpdatedPerFinish} | ${yes(last.p50Ms <= 1.3 * first.p50Ms)} |`,
    );
  }
  for (const c of runConfigs(result)) {
    const ours = findRun(result, 'jobgate', c.bodyMs, c.processes, c.arriving);
    if (!ours) continue;
    const peers = ['graphile-worker', 'bullmq-postgres', 'dbos', CEILING_ID]
      .map(
        (id) =>
          [id, statementsPerJob(findRun(result, id, c.bodyMs, c.processes, c.arriving))] as const,
      )
      .filter(([, n]) => n !== null)
      .map(([id, n]) => `${id} ${n!.toFixed(2)}`);
    lines.push(
      `| statements per job (reported) | ${c.title} | jobgate ${statementsPerJob(ours)?.toFixed(2) ?? '–'}${peers.length ? `; ${peers.join('; ')}` : ''} | n/a |`,
    );
  }
  return lines.length
    ? ['| aim | workload | figures | met |', '|---|---|---|---|', ...lines]
    : ['(jobgate did not run)'];
}
