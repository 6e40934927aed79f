import type { BenchResult, RunResult } from '../runBench.js';
import { inConfig, ms, procs, runConfigs } from './reportFormat.js';

const WIDTH = 980;
const LABEL_W = 200;
const RIGHT_PAD = 70;
const ROW_H = 20;
const PANEL_HEAD = 34;
const AXIS_H = 26;
const MIN_MS = 0.1;
const MAX_MS = 1_000;

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** x position of `gapMs` on the log axis. */
const xOf = (gapMs: number): number => {
  const clamped = Math.min(MAX_MS, Math.max(MIN_MS, gapMs));
  const t = (Math.log10(clamped) - Math.log10(MIN_MS)) / (Math.log10(MAX_MS) - Math.log10(MIN_MS));
  return LABEL_W + t * (WIDTH - LABEL_W - RIGHT_PAD);
};

function panel(
  title: string,
  runs: readonly RunResult[],
  top: number,
  workloadJobs: number,
  cap: number,
): string {
  const parts: string[] = [];
  parts.push(
    `<text x="12" y="${top + 22}" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  );
  const rowsTop = top + PANEL_HEAD;
  const axisY = rowsTop + runs.length * ROW_H + 4;
  for (let decade = MIN_MS; decade <= MAX_MS; decade *= 10) {
    const x = xOf(decade);
    parts.push(
      `<line x1="${x.toFixed(1)}" y1="${rowsTop - 4}" x2="${x.toFixed(1)}" y2="${axisY}" stroke="#ddd"/>`,
      `<text x="${x.toFixed(1)}" y="${axisY + 14}" font-size="10" text-anchor="middle" fill="#555">${decade >= 1 ? decade.toFixed(0) : decade.toFixed(1)} ms</text>`,
    );
  }
  runs.forEach((run, i) => {
    const y = rowsTop + i * ROW_H;
    const jobgate = run.system.startsWith('jobgate');
    parts.push(
      `<text x="${LABEL_W - 8}" y="${y + 14}" font-size="12" text-anchor="end"${jobgate ? ' font-weight="bold"' : ''}>${escapeXml(run.label)}</text>`,
    );
    const h = run.handoffMs;
    if (!h || run.error) {
      parts.push(
        `<text x="${LABEL_W + 4}" y="${y + 14}" font-size="11" fill="#a00">failed: ${escapeXml((run.error ?? 'no data').slice(0, 80))}</text>`,
      );
      return;
    }
    const x0 = xOf(MIN_MS);
    const x50 = xOf(h.p50);
    const x95 = xOf(h.p95);
    const x99 = xOf(h.p99);
    const fill = jobgate ? '#2b7bd6' : '#9aa5b1';
    const extra = [
      run.jobs < workloadJobs ? `${run.jobs} jobs` : '',
      run.slots !== cap ? `${run.slots} slots` : '',
    ].filter(Boolean);
    const note = extra.length ? ` (${extra.join(', ')})` : '';
    parts.push(
      `<rect x="${x0.toFixed(1)}" y="${y + 4}" width="${Math.max(1, x50 - x0).toFixed(1)}" height="${ROW_H - 8}" fill="${fill}"><title>${escapeXml(run.label)}: p50 ${ms(h.p50)} ms</title></rect>`,
      `<line x1="${x50.toFixed(1)}" y1="${y + ROW_H / 2}" x2="${x99.toFixed(1)}" y2="${y + ROW_H / 2}" stroke="#333"/>`,
      `<line x1="${x95.toFixed(1)}" y1="${y + 5}" x2="${x95.toFixed(1)}" y2="${y + ROW_H - 5}" stroke="#333" stroke-width="2"><title>p95 ${ms(h.p95)} ms</title></line>`,
      `<line x1="${x99.toFixed(1)}" y1="${y + 3}" x2="${x99.toFixed(1)}" y2="${y + ROW_H - 3}" stroke="#333"><title>p99 ${ms(h.p99)} ms</title></line>`,
      `<text x="${(Math.max(x99, x50) + 6).toFixed(1)}" y="${y + 14}" font-size="11" fill="#333">${ms(h.p50)} / ${ms(h.p95)} / ${ms(h.p99)}${note}</text>`,
    );
  });
  return `<g>${parts.join('')}</g>`;
}

/** A hand-written SVG: one panel per workload and process count, log scale, p50 bar + p95/p99. */
export function handoffChart(result: BenchResult): string {
  const panels: string[] = [];
  let top = 44;
  for (const config of runConfigs(result)) {
    const runs = result.runs.filter((r) => inConfig(r, config));
    if (runs.length === 0) continue;
    const title = `${config.bodyMs} ms bodies, ${procs(config.processes)}${config.arriving ? ', submits arriving' : ''}`;
    panels.push(panel(title, runs, top, config.workload.jobs, result.cap));
    top += PANEL_HEAD + runs.length * ROW_H + AXIS_H + 16;
  }
  const height = top + 24;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="24" font-size="16" font-weight="bold">Hand-off gap: one job's end → the start of the job that took its slot (cap ${result.cap})</text>`,
    `<text x="12" y="40" font-size="11" fill="#555">bar = p50, thick tick = p95, thin tick = p99 (labels: p50 / p95 / p99 in ms); log scale, values below ${MIN_MS} ms drawn at ${MIN_MS} ms</text>`,
    ...panels,
    `<text x="12" y="${height - 8}" font-size="10" fill="#777">${escapeXml(`${result.machine.cores} cores, Node ${result.machine.node}, PostgreSQL ${result.machine.postgres}, Redis ${result.machine.redis}; ${result.generatedAt}`)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
