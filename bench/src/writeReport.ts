import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { handoffChart } from './handoffChart.js';
import type { BenchResult, RunResult } from './runBench.js';

export const REPORT_FILES = {
  markdown: 'benchmarks.md',
  json: 'benchmarks.json',
  chart: 'benchmarks-handoff.svg',
} as const;

const ms = (v: number | undefined | null): string =>
  v === undefined || v === null || Number.isNaN(v)
    ? '–'
    : Math.abs(v) >= 100
      ? v.toFixed(0)
      : Math.abs(v) >= 10
        ? v.toFixed(1)
        : v.toFixed(2);

const rate = (v: number | null): string => (v === null ? '–' : v.toFixed(0));

const ratio = (v: number | null): string =>
  v === null || !Number.isFinite(v) ? '–' : v >= 10 ? `${v.toFixed(0)}×` : `${v.toFixed(2)}×`;

const procs = (n: number): string => `${n} process${n === 1 ? '' : 'es'}`;

function capCell(run: RunResult): string {
  if (run.maxOverlap === null) return '–';
  if (!run.capHeld) return `${run.maxOverlap} ❌`;
  return run.globalCap || run.processes === 1
    ? `${run.maxOverlap} ✅`
    : `${run.maxOverlap} (no global cap)`;
}

function resultRow(run: RunResult, workloadJobs: number): string {
  if (run.error) {
    return `| ${run.label} | ${run.slots} | ${run.jobs} | failed: ${run.error.replace(/\|/g, '/').slice(0, 120)} | | | | | |`;
  }
  const h = run.handoffMs;
  const spread = run.processes > 1 ? run.perProcess.join(' / ') : '';
  return `| ${run.system.startsWith('jobgate') ? `**${run.label}**` : run.label} | ${run.slots}${run.globalCap ? '' : ` (${run.processes}×${run.slots / run.processes})`} | ${run.jobs}${run.jobs < workloadJobs ? '*' : ''} | ${rate(run.jobsPerSecond)} | ${ms(h?.p50)} | ${ms(h?.p95)} | ${ms(h?.p99)} | ${capCell(run)} | ${spread} |`;
}

const find = (result: BenchResult, system: string, bodyMs: number, processes: number) =>
  result.runs.find(
    (r) => r.system === system && r.bodyMs === bodyMs && r.processes === processes && !r.error,
  );

function ratiosTable(result: BenchResult): string[] {
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
        const theirs = find(result, peer.id, workload.bodyMs, processes);
        const cells = mine.flatMap((m) => {
          const ours = find(result, m.id, workload.bodyMs, processes);
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

const yes = (ok: boolean | null): string => (ok === null ? 'n/a' : ok ? '✅ yes' : '❌ no');

const perJob = (r: RunResult | undefined): number | null =>
  r?.sqlPerJob ? Object.values(r.sqlPerJob).reduce((sum, c) => sum + c.calls, 0) : null;

/** The aims of the queue-at-scale work, each against the peer it names, from this one run. */
function aims(result: BenchResult): string[] {
  const lines: string[] = [];
  const zero = result.workloads.find((w) => w.bodyMs === 0);
  if (zero) {
    const ours = find(result, 'jobgate', 0, 1);
    const gw = find(result, 'graphile-worker', 0, 1);
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
      const many = find(result, 'jobgate', 0, multi);
      const bull = find(result, 'bullmq-postgres', 0, multi);
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
  const cost = result.finishCost;
  if (cost && cost.length > 1) {
    const first = cost[0]!;
    const last = cost[cost.length - 1]!;
    lines.push(
      `| finish p50 with ${last.queued} queued ≤ 1.3× with ${first.queued} queued | finish-cost probe | ${ms(last.p50Ms)} vs ${ms(first.p50Ms)} ms (${ratio(last.p50Ms / first.p50Ms)}); rows updated ${last.rowsUpdatedPerFinish} vs ${first.rowsUpdatedPerFinish} | ${yes(last.p50Ms <= 1.3 * first.p50Ms)} |`,
    );
  }
  for (const workload of result.workloads) {
    for (const processes of result.processCounts) {
      const ours = find(result, 'jobgate', workload.bodyMs, processes);
      if (!ours) continue;
      const peers = ['graphile-worker', 'bullmq-postgres']
        .map((id) => [id, perJob(find(result, id, workload.bodyMs, processes))] as const)
        .filter(([, n]) => n !== null)
        .map(([id, n]) => `${id} ${n!.toFixed(2)}`);
      lines.push(
        `| statements per job (reported) | ${workload.bodyMs} ms, ${procs(processes)} | jobgate ${perJob(ours)?.toFixed(2) ?? '–'}${peers.length ? `; ${peers.join('; ')}` : ''} | n/a |`,
      );
    }
  }
  return lines.length
    ? ['| aim | workload | figures | met |', '|---|---|---|---|', ...lines]
    : ['(jobgate did not run)'];
}

function roundTripsTable(result: BenchResult): string[] {
  if (!result.runs.some((r) => r.sqlPerJob)) return [];
  const configs = result.workloads.flatMap((w) =>
    result.processCounts.map((p) => ({ bodyMs: w.bodyMs, processes: p })),
  );
  const total = (r: RunResult | undefined): string => {
    if (!r?.sqlPerJob) return '–';
    const sum = Object.values(r.sqlPerJob).reduce((s, c) => s + c.calls, 0);
    return sum.toFixed(2);
  };
  return [
    '## Round trips per job',
    '',
    'Statements sent to PostgreSQL per measured job (Redis commands for BullMQ on Redis, where pipelined commands share a round trip), summed over every worker process (polls of idle workers included): jobgate counted through its SQL client, the peers by wrapping `pg`’s `Client.query` and ioredis’s `sendCommand`. The labels of each statement are in benchmarks.json (`sqlPerJob`).',
    '',
    `| system | ${configs.map((c) => `${c.bodyMs} ms, ${procs(c.processes)}`).join(' | ')} |`,
    `|---|${configs.map(() => '---:').join('|')}|`,
    ...result.systems.map(
      (s) =>
        `| ${s.label} | ${configs.map((c) => total(find(result, s.id, c.bodyMs, c.processes))).join(' | ')} |`,
    ),
    '',
  ];
}

const statements = (counts: RunResult['sqlPerJob']): string =>
  counts
    ? Object.entries(counts)
        .map(([name, c]) => `\`${name}\` ${c.calls} (${ms(c.meanMs)} ms)`)
        .join(', ')
    : '–';

function whereJobgateSpendsTime(result: BenchResult): string[] {
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
          `| ${r.label}, ${r.bodyMs} ms, ${procs(r.processes)} | ${statements(r.sqlPerJob)} | ${statements(r.sqlPerSubmit ?? null)} |`,
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

export function renderMarkdown(result: BenchResult): string {
  const m = result.machine;
  const out: string[] = [
    '# Benchmarks: jobgate, pg-boss, graphile-worker and BullMQ side by side',
    '',
    `Generated by \`${result.command}\` on ${result.generatedAt} (whole run ${(result.totalMs / 1000).toFixed(0)} s). ` +
      'Every figure below comes from that one run, on one machine, against the same PostgreSQL and Redis servers over loopback. ' +
      'Figures are measured, not asserted: rerun the command on your machine to compare.',
    '',
    '## Machine',
    '',
    `- CPU: ${m.cpuModel}, ${m.cores} cores; memory ${m.memoryGiB} GiB; ${m.os}`,
    `- Node ${m.node}; PostgreSQL ${m.postgres}; Redis ${m.redis} (both local, default configuration)`,
    `- Source measured: commit ${m.source}`,
    `- 1-minute load average: ${m.loadAverage} at the start, ${result.loadAverageAtEnd} at the end (the machine was shared with other work; figures on a quiet machine will differ)`,
    '',
    '## Workload',
    '',
    `- A global cap of **${result.cap}** running jobs. Each round first enqueues all its jobs (nothing runs), then every worker starts at once, so the queue is never empty while the measured jobs run.`,
    `- Workloads: ${result.workloads.map((w) => `${w.jobs} jobs with ${w.bodyMs} ms bodies`).join('; ')}. Each is run once in 1 worker process and once across ${result.processCounts.filter((p) => p > 1).join(', ') || '–'} worker processes (child processes of the bench).`,
    '- Before each measured round, a warm-up round of the same system in the same processes runs and is discarded.',
    "- A job's body records its start and its end with `performance.timeOrigin + performance.now()` (a clock shared by the processes) and sends them to the parent.",
    '- **jobs/s**: measured jobs ÷ (last end − first start).',
    "- **hand-off gap**: the time from one job's end to the start of the job that took its slot: with *s* slots kept busy by the queue, the *i*-th end (in time order) is matched with the (*i* + *s*)-th start. It is what a slot idles between two jobs.",
    '- **max overlap**: the most jobs running at one instant, from the recorded intervals; ✅ when ≤ the cap, ❌ above it. Jobs of 0 ms seldom overlap at all: the 5 ms workload is the one that tests the cap.',
    '- Systems without a global cap (pg-boss, graphile-worker) run `cap` jobs per process; across N processes that is N × cap slots, the overlap shows it, and their jobs/s are then not like for like.',
    '',
  ];
  for (const workload of result.workloads) {
    for (const processes of result.processCounts) {
      const runs = result.runs.filter(
        (r) => r.bodyMs === workload.bodyMs && r.processes === processes,
      );
      if (runs.length === 0) continue;
      out.push(
        `## ${workload.bodyMs} ms bodies, ${procs(processes)}`,
        '',
        `| system | slots | jobs | jobs/s | hand-off p50 (ms) | p95 | p99 | max overlap | jobs per process |`,
        '|---|---:|---:|---:|---:|---:|---:|---:|---|',
        ...runs.map((r) => resultRow(r, workload.jobs)),
        '',
        ...(runs.some((r) => r.jobs < workload.jobs)
          ? [`\\* fewer jobs than the workload's ${workload.jobs}: see the notes at the end.`, '']
          : []),
      );
    }
  }
  const ratios = ratiosTable(result);
  if (ratios.length) {
    out.push(
      '## Ratios jobgate / peer',
      '',
      'jobs/s ratio > 1: jobgate is faster; p50 gap ratio < 1: jobgate hands a slot over faster.',
      '',
      ...ratios,
      '',
    );
  }
  out.push('## Aims (reported, not asserted)', '', ...aims(result), '');
  out.push(...roundTripsTable(result));
  out.push(...whereJobgateSpendsTime(result));
  out.push(
    '## Hand-off gaps',
    '',
    `![hand-off gap p50/p95/p99 per system](${REPORT_FILES.chart})`,
    '',
    '## Systems, versions and setup',
    '',
    '| system | versions | setup |',
    '|---|---|---|',
    ...result.systems.map(
      (s) =>
        `| ${s.label} | ${Object.entries(s.versions)
          .map(([k, v]) => `${k} ${v}`)
          .join(
            ', ',
          )} | ${s.setup}${s.maxJobs !== null ? `; at most ${s.maxJobs} jobs per round (see below)` : ''} |`,
    ),
    '',
  );
  return `${out.join('\n')}\n`;
}

export async function writeReport(
  result: BenchResult,
  dir: string,
  notes: readonly string[] = [],
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const markdown = renderMarkdown(result) + (notes.length ? `\n${notes.join('\n')}\n` : '');
  const files = [
    [REPORT_FILES.markdown, markdown],
    [REPORT_FILES.json, `${JSON.stringify(result, null, 2)}\n`],
    [REPORT_FILES.chart, handoffChart(result)],
  ] as const;
  for (const [name, content] of files) await writeFile(join(dir, name), content);
  return files.map(([name]) => join(dir, name));
}
