import type { LiveState, SimulationReport } from './simulation.js';

const WIDTH = 80;
const fit = (line: string) =>
  line.length > WIDTH ? `${line.slice(0, WIDTH - 1)}…` : line.padEnd(WIDTH);
const clock = (ms: number) => {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};
const short = (tool: string) => tool.replace('-upscaler', '-up').replace('pose-changer', 'pose');

/** The live view: at most 80 columns, redrawn in place on a terminal. */
export function renderLive(state: LiveState, header: string, cap = 3): string[] {
  const slots = Array.from({ length: cap }, (_, i) => (i < state.running.length ? '■' : '□')).join(
    ' ',
  );
  const running = state.running.map((j) => `${short(j.tool)}·${j.userId.slice(-2)}`).join('  ');
  const queue = state.queue
    .slice(0, 6)
    .map((j) => `#${j.position} ${short(j.tool)}·${j.userId.slice(-2)}`)
    .join('  ');
  const more = state.queue.length > 6 ? `  +${state.queue.length - 6}` : '';
  const phase = state.now < state.end ? 'clicking' : 'draining';
  const errors = Object.entries(state.errors)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code}×${n}`)
    .join(' ');
  return [
    fit(header),
    fit(`time    ${clock(state.now)} / ${clock(state.end)}  (${phase})`),
    fit(`slots   ${slots}  ${state.running.length}/${cap} running   ${running}`),
    fit(`queue   ${state.queue.length === 0 ? '(empty)' : queue + more}`),
    fit(
      `done    completed ${state.counts.completed}  failed ${state.counts.failed}  cancelled ${state.counts.cancelled}  healed ${state.counts.healed}`,
    ),
    fit(`ended   ${errors || '-'}`),
  ];
}

/** The demo's verdict (and exit code): nothing left waiting, the cap held, every result kept. */
export function demoPassed(report: SimulationReport): boolean {
  return report.nonTerminal === 0 && report.maxRunning <= 3 && report.files.completedUnstored === 0;
}

export function renderReport(report: SimulationReport): string {
  const rows: [string, string | number][] = [
    ['jobs', report.jobs],
    [
      'completed / failed / cancelled',
      `${report.completed} / ${report.failed} / ${report.cancelled}`,
    ],
    ['left non-terminal', report.nonTerminal],
    ['max running seen (cap 3)', report.maxRunning],
    ['max tasks at the provider', report.providerMaxConcurrent],
    ['longest queue', report.maxQueueLength],
    ['healed', report.healed],
    [
      'healed: stuck for (max / mean)',
      `${(report.healedWaitMs.max / 1000).toFixed(1)} s / ${(report.healedWaitMs.mean / 1000).toFixed(1)} s`,
    ],
    ['files to provider / results kept', `${report.files.uploaded} / ${report.files.stored}`],
    ['completed without kept results', report.files.completedUnstored],
    ['requests accepted', report.requests.submitted],
    [
      'requests refused',
      Object.entries(report.requests.refused)
        .map(([c, n]) => `${c} ${n}`)
        .join(', ') || '-',
    ],
    [
      'simulated / real time',
      `${(report.simulatedMs / 1000).toFixed(0)} s / ${(report.realMs / 1000).toFixed(1)} s`,
    ],
  ];
  const verdict = demoPassed(report)
    ? 'OK: no job left waiting, the cap of 3 held, every result kept'
    : 'FAILED: a job was left waiting, the cap was exceeded or a result was not kept';
  return ['', 'Report', ...rows.map(([k, v]) => `  ${k.padEnd(32)} ${v}`), '', verdict, ''].join(
    '\n',
  );
}
