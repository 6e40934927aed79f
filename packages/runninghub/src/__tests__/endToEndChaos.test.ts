import { type AnyTool, defineTool, type Job, JobGateError } from '@jobgate/core';
import { tools } from '@jobgate/example-tools';
import { describe, expect, it, vi } from 'vitest';
import { RUNNINGHUB_PATHS } from '../runningHubPaths.js';
import { isSimFileField } from '../simFileNodes.js';
import { setup, useEndToEnd } from './endToEndHarness.js';
import { uuid } from './helpers.js';

useEndToEnd();

describe('JobRunner + MemoryStore + RunningHubProvider against the simulated RunningHub', () => {
  it('under chaos (busy, 503s, failures, lost and duplicate callbacks) every job ends, within the cap', async () => {
    // The example tools with short watchdog windows, so lost callbacks are polled quickly.
    const fast = (tools as readonly AnyTool[]).map((tool) =>
      defineTool({
        id: tool.id,
        input: tool.input,
        creditCost: (input) => tool.price(input),
        maxRunMs: 5_000,
        pollIntervalMs: 150,
        files: tool.files,
        provider: tool.provider,
      }),
    );
    const { sim, store, runner, submit } = await setup({
      tools: fast,
      retry: { backoffMs: [20, 40, 80], maxTransientAttempts: 4 },
      sim: {
        seed: 21,
        durationMs: [20, 120],
        rates: {
          busy: 0.15,
          transient: 0.05,
          fail: 0.15,
          // High enough that a lost callback meets a task that succeeds in practically every
          // run (at 0.25, one run in 40 had none and failed the last check).
          lostWebhook: 0.35,
          duplicateWebhook: 0.25,
        },
      },
    });
    let overCap = 0;
    runner.on('started', () => {
      void store.counts('default').then((c) => {
        if (c.running > 3) overCap++;
      });
    });
    runner.startHealing(50);
    // Certainly some busy answers and gateway faults on starts, whatever the timing.
    sim.inject({ path: RUNNINGHUB_PATHS.runAiApp, code: 421, times: 2 });
    sim.inject({ path: RUNNINGHUB_PATHS.runAiApp, httpStatus: 503 });
    // And one upload RunningHub refuses for good: that job fails before any task exists.
    sim.inject({ path: RUNNINGHUB_PATHS.upload, code: 808 });
    const names = ['upscaler', 'pose-changer', 'veste-ai', 'video-upscaler'] as const;
    const ids: string[] = [];
    for (let i = 1; i <= 24; i++) {
      const name = names[i % 4]!;
      ids.push(uuid(i));
      await submit(i, name, `u${i}`).catch((error: unknown) => {
        // A start that failed for good: the job is already terminal (checked below).
        expect(error).toBeInstanceOf(JobGateError);
      });
    }
    const jobs = await vi.waitFor(
      async () => {
        const all = await Promise.all(ids.map((id) => store.get(id)));
        expect(
          all.filter((j) => !['completed', 'failed', 'cancelled'].includes(j!.status)),
        ).toEqual([]);
        return all as Job[];
      },
      { timeout: 15_000, interval: 25 },
    );
    runner.close();
    await sim.settled();

    expect(overCap).toBe(0);
    expect(sim.maxActive).toBeLessThanOrEqual(3);
    for (const job of jobs) {
      expect(job.completedAt).not.toBeNull();
      if (job.status === 'completed') {
        expect(sim.tasks.get(job.taskId!)?.status).toBe('SUCCESS');
        // The result was copied into the app's storage: its path, never RunningHub's URL.
        const ext = job.tool === 'video-upscaler' ? 'mp4' : 'png';
        expect((job.output as { files: string[] }).files).toEqual([
          `${job.tool}/${job.userId}/${job.id}/output-1.${ext}`,
        ]);
      } else {
        expect(job.errorMessage).toMatch(/^[A-Z_]+: /);
      }
    }
    // Every task RunningHub ran belongs to exactly one job: nothing started twice.
    const taskIds = jobs.map((j) => j.taskId).filter((t) => t !== null);
    expect(new Set(taskIds).size).toBe(taskIds.length);
    expect([...sim.tasks.keys()].sort()).toEqual([...taskIds].sort());
    // Every task read uploads of the account, never a storage path.
    for (const task of sim.tasks.values()) {
      const files = task.nodeInfoList.filter((n) => isSimFileField(n.fieldName));
      expect(files.length).toBeGreaterThan(0);
      for (const node of files) expect(sim.uploads.has(String(node.fieldValue))).toBe(true);
    }
    // The chaos really happened.
    expect(sim.requests.some((r) => r.code === 421)).toBe(true);
    expect(sim.deliveries.some((d) => d.lost)).toBe(true);
    expect(jobs.some((j) => j.status === 'completed')).toBe(true);
    expect(jobs.some((j) => j.status === 'failed')).toBe(true);
    expect(jobs.filter((j) => j.errorCode === 'PROVIDER_UPLOAD')).toEqual([
      expect.objectContaining({ status: 'failed', taskId: null }),
    ]);
    // Some callbacks were lost, and the watchdog still completed those jobs.
    expect(
      jobs.some((j) => j.status === 'completed' && sim.tasks.get(j.taskId!)?.loseWebhook),
    ).toBe(true);
  });
});
