import { describeWith } from '@jobgate/testkit';
import IORedis from 'ioredis';
import { describe, expect, it } from 'vitest';
import { analyzeRun, handoffGaps, maxOverlap } from './analyzeRun.js';
import { parseBenchOptions } from './benchOptions.js';
import { handoffChart } from './report/handoffChart.js';
import { runBench } from './runBench.js';
import { renderMarkdown } from './writeReport.js';

describe('bench analysis', () => {
  const intervals = [
    { start: 0, end: 10 },
    { start: 1, end: 12 },
    { start: 2, end: 14 },
    { start: 11, end: 20 },
    { start: 13, end: 21 },
    { start: 16, end: 22 },
  ];

  it('matches each freed slot with the start that took it', () => {
    expect(handoffGaps(intervals, 3)).toEqual([1, 1, 2]);
  });

  it('counts held slots as ends before the first measured start', () => {
    expect(handoffGaps([{ start: 5, end: 6 }], 1, [4])).toEqual([1]);
  });

  it('finds the most jobs running at once, ends before starts at the same instant', () => {
    expect(maxOverlap(intervals)).toBe(3);
    expect(maxOverlap([...intervals, { start: 3, end: 4 }])).toBe(4);
    expect(
      maxOverlap([
        { start: 0, end: 1 },
        { start: 1, end: 2 },
      ]),
    ).toBe(1);
  });

  it('derives throughput from the first start to the last end', () => {
    const analysis = analyzeRun(intervals, 3);
    expect(analysis.jobs).toBe(6);
    expect(analysis.jobsPerSecond).toBeCloseTo((6 / 22) * 1000);
    expect(analysis.handoffMs.count).toBe(3);
  });
});

async function redisAnswers(): Promise<boolean> {
  const redis = new IORedis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1_000,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

describeWith('postgres', 'bench smoke run (--quick)', () => {
  it('runs jobgate and a peer in 1 and 4 processes; jobgate holds the cap', async () => {
    // The peer is BullMQ on Redis; where no Redis answers, BullMQ's Postgres backend.
    const peer = (await redisAnswers()) ? 'bullmq-redis' : 'bullmq-postgres';
    const argv = ['--quick', ...(peer === 'bullmq-redis' ? [] : ['--systems', `jobgate,${peer}`])];
    const options = parseBenchOptions(argv);
    expect(options.outDir).toBeNull();
    const result = await runBench(options, `npm run bench -w @jobgate/bench -- ${argv.join(' ')}`);

    expect(result.machine.cores).toBeGreaterThan(0);
    expect(result.systems.map((s) => s.id)).toEqual(['jobgate', peer]);
    for (const system of result.systems)
      expect(Object.keys(system.versions).length).toBeGreaterThan(0);
    expect(result.runs).toHaveLength(result.systems.length * options.processCounts.length);
    for (const run of result.runs) {
      expect(run.error).toBeUndefined();
      expect(run.jobs).toBe(options.workloads[0]!.jobs);
      expect(run.jobsPerSecond).toBeGreaterThan(0);
      expect(run.handoffMs?.count).toBeGreaterThan(0);
      expect(run.maxOverlap).toBeGreaterThan(0);
      expect(run.perProcess.reduce((a, b) => a + b, 0)).toBe(run.jobs);
    }
    const jobgate = result.runs.filter((r) => r.system === 'jobgate');
    expect(jobgate.map((r) => r.processes)).toEqual([1, 4]);
    for (const run of jobgate) {
      expect(run.maxOverlap).toBeLessThanOrEqual(3);
      expect(run.capHeld).toBe(true);
      expect(run.sqlPerJob?.['finish']?.calls).toBeGreaterThan(0);
    }

    const markdown = renderMarkdown(result);
    expect(markdown).toContain('| system | slots | jobs | jobs/s |');
    expect(markdown).toContain('## Ratios jobgate / peer');
    expect(handoffChart(result)).toMatch(/^<svg [^>]*>/);
  }, 90_000);
});
