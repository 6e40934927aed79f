/** One job as the workload's body saw it: when it started and ended (bench clock, ms). */
export interface JobInterval {
  start: number;
  end: number;
}

export interface GapStats {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
  count: number;
}

export interface RunAnalysis {
  jobs: number;
  /** Measured jobs divided by the time from the first start to the last end. */
  jobsPerSecond: number;
  wallMs: number;
  /** From one job's end to the start of the job that took its slot, in ms. */
  handoffMs: GapStats;
  /** The most jobs running at one instant, from the recorded intervals. */
  maxOverlap: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** The middle value (the upper one of an even count). */
export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
}

export function gapStats(gaps: readonly number[]): GapStats {
  const sorted = [...gaps].sort((a, b) => a - b);
  const sum = sorted.reduce((s, g) => s + g, 0);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    count: sorted.length,
  };
}

/** Sweep over the intervals: at equal instants an end comes before a start. */
export function maxOverlap(intervals: readonly JobInterval[]): number {
  const events: Array<[number, number]> = [];
  for (const { start, end } of intervals) events.push([start, 1], [end, -1]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let running = 0;
  let max = 0;
  for (const [, delta] of events) {
    running += delta;
    if (running > max) max = running;
  }
  return max;
}

/**
 * Hand-off gaps. With `slots` slots kept busy by a full queue, the i-th slot to be freed (in
 * order of ends) is taken by the (i + free)-th start, where `free` is the number of slots that
 * were free when measuring began (`slots - heldEnds.length`; jobs that held a slot when the
 * measured jobs were released contribute their ends through `heldEnds`). A negative gap means
 * more than `slots` jobs ran at once.
 */
export function handoffGaps(
  intervals: readonly JobInterval[],
  slots: number,
  heldEnds: readonly number[] = [],
): number[] {
  const starts = intervals.map((i) => i.start).sort((a, b) => a - b);
  const ends = [...heldEnds, ...intervals.map((i) => i.end)].sort((a, b) => a - b);
  const free = Math.max(0, slots - heldEnds.length);
  const gaps: number[] = [];
  for (let k = free; k < starts.length; k++) {
    const end = ends[k - free];
    if (end === undefined) break;
    gaps.push(starts[k]! - end);
  }
  return gaps;
}

export function analyzeRun(
  intervals: readonly JobInterval[],
  slots: number,
  held: readonly JobInterval[] = [],
): RunAnalysis {
  const firstStart = Math.min(...intervals.map((i) => i.start));
  const lastEnd = Math.max(...intervals.map((i) => i.end));
  const wallMs = lastEnd - firstStart;
  return {
    jobs: intervals.length,
    jobsPerSecond: wallMs > 0 ? (intervals.length / wallMs) * 1000 : Number.NaN,
    wallMs,
    handoffMs: gapStats(
      handoffGaps(
        intervals,
        slots,
        held.map((h) => h.end),
      ),
    ),
    maxOverlap: maxOverlap([...held, ...intervals]),
  };
}
