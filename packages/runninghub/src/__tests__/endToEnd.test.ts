import { FakeClock } from '@jobgate/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { isSimFileField } from '../simFileNodes.js';
import { setup, useEndToEnd, waitForStatus } from './endToEndHarness.js';
import { uuid } from './helpers.js';

useEndToEnd();

describe('JobRunner + MemoryStore + RunningHubProvider against the simulated RunningHub', () => {
  it('runs the four tools; outputs arrive through the webhook; the fourth job waits for a slot', async () => {
    const { sim, store, storage, submit, runner } = await setup({ sim: { manual: true, seed: 5 } });
    const completed: string[] = [];
    runner.on('completed', (job) => completed.push(job.id));
    const names = ['upscaler', 'pose-changer', 'veste-ai', 'video-upscaler'] as const;
    const submitted = [];
    for (const [i, name] of names.entries()) submitted.push(await submit(i + 1, name));
    expect(submitted.map((j) => j.status)).toEqual(['running', 'running', 'running', 'queued']);
    expect(submitted[3]).toMatchObject({ waitedInQueue: true, position: 1, taskId: null });

    // The three tasks end at RunningHub; each callback completes its job, the first frees
    // the slot the fourth job takes.
    await Promise.all(submitted.slice(0, 3).map((job) => sim.finish(job.taskId!)));
    const fourth = await vi.waitFor(
      async () => {
        const job = await store.get(uuid(4));
        expect(job?.taskId).not.toBeNull();
        return job!;
      },
      { timeout: 5_000, interval: 10 },
    );
    await sim.finish(fourth.taskId!);

    const appIds = {
      upscaler: '2015865378030755841',
      'pose-changer': '2018451429635133442',
      'veste-ai': '2018755100210106369',
      'video-upscaler': '2018810750139109378',
    };
    for (const [i, name] of names.entries()) {
      const job = await waitForStatus(store, uuid(i + 1), 'completed');
      const task = sim.tasks.get(job.taskId!)!;
      expect(task.webappId).toBe(appIds[name]);
      expect(task.webhookUrl).toBe(await runner.webhookUrl(job.id));
      // RunningHub got the stored files' bytes, and the start named its uploads.
      const files = task.nodeInfoList.filter((n) => isSimFileField(n.fieldName));
      expect(files).toHaveLength(name === 'pose-changer' || name === 'veste-ai' ? 2 : 1);
      for (const node of files) {
        const upload = sim.uploads.get(String(node.fieldValue))!;
        const stored = storage.files.get(`${name}/user-${i + 1}/${job.id}/${upload.name}`);
        expect([...upload.bytes]).toEqual([...stored!.data]);
      }
      // The result was copied into storage: its path replaces RunningHub's URL everywhere.
      const ext = name === 'video-upscaler' ? 'mp4' : 'png';
      const path = `${name}/user-${i + 1}/${job.id}/output-1.${ext}`;
      const contentType = ext === 'mp4' ? 'video/mp4' : 'image/png';
      const served = task.outputFile as { data: Uint8Array };
      expect(job.output).toEqual({
        files: [path],
        outputs: [expect.objectContaining({ url: path, fileType: ext })],
        storedFiles: [{ path, contentType, size: served.data.byteLength }],
      });
      expect([...storage.files.get(path)!.data]).toEqual([...served.data]);
      expect(JSON.stringify(job.output)).not.toContain(sim.url);
      expect(job.progress).toBe(1);
    }
    expect(sim.deliveries).toHaveLength(4);
    expect(sim.deliveries.every((d) => d.status === 200)).toBe(true);
    expect(sim.maxActive).toBe(3);
    expect(completed.sort()).toEqual([uuid(1), uuid(2), uuid(3), uuid(4)]);
  });

  it('runs on its own with real timers: tasks end and call back without help', async () => {
    const { sim, store, submit } = await setup({
      sim: { durationMs: [20, 60], seed: 9, concurrency: 4 },
      globalCap: 4,
    });
    const names = ['upscaler', 'pose-changer', 'veste-ai', 'video-upscaler'] as const;
    for (const [i, name] of names.entries()) await submit(i + 1, name);
    for (const i of [1, 2, 3, 4]) await waitForStatus(store, uuid(i), 'completed');
    await sim.settled();
    expect(sim.deliveries.map((d) => d.status)).toEqual([200, 200, 200, 200]);
  });

  it('a duplicate or late callback changes nothing', async () => {
    const { sim, store, submit, runner, postRaw } = await setup({
      sim: { manual: true, rates: { duplicateWebhook: 1 } },
    });
    let completions = 0;
    runner.on('completed', () => completions++);
    const job = await submit(1);
    await sim.finish(job.taskId!);
    expect(sim.deliveries.map((d) => d.status)).toEqual([200, 200]);
    const done = await store.get(job.id);
    expect(done).toMatchObject({ status: 'completed' });
    expect(completions).toBe(1);

    // Late: the same callback again, then a failure for the same task.
    const late = await postRaw(job.id, sim.deliveries[0]!.body);
    expect(late.status).toBe(200);
    const failure = JSON.stringify({
      event: 'TASK_END',
      taskId: job.taskId,
      eventData: JSON.stringify({ code: 805, msg: 'APIKEY_TASK_STATUS_ERROR', data: null }),
    });
    expect((await postRaw(job.id, failure)).status).toBe(200);
    expect(await store.get(job.id)).toEqual(done);
    expect(completions).toBe(1);
  });

  it('a task that fails at RunningHub fails the job with its code; the reason goes to the operator', async () => {
    const { sim, store, submit, runner } = await setup({ sim: { manual: true } });
    const reported: { message: string; during: string; jobId?: string }[] = [];
    runner.on('error', (error, where) => reported.push({ message: error.message, ...where }));
    const job = await submit(1, 'pose-changer');
    await sim.finish(job.taskId!, 'FAILED');
    // The user reads a plain sentence and RunningHub's code; ComfyUI's words are for the logs.
    expect(await store.get(job.id)).toMatchObject({
      status: 'failed',
      errorCode: 'PROVIDER_ERROR',
      errorMessage: 'PROVIDER_ERROR: the AI provider could not run the job (provider code 805)',
    });
    expect(reported).toContainEqual({
      message: 'the simulated workflow failed (node KSampler)',
      during: 'provider-failed',
      jobId: job.id,
    });
  });

  it('a lost callback is recovered by runner.heal() once the job is quiet (fake clock)', async () => {
    const clock = new FakeClock();
    const { sim, store, submit, runner } = await setup({
      clock,
      sim: { manual: true, rates: { lostWebhook: 1 } },
    });
    const job = await submit(1);
    await sim.finish(job.taskId!);
    expect(sim.deliveries).toEqual([expect.objectContaining({ lost: true, status: null })]);
    expect((await store.get(job.id))?.status).toBe('running');

    // Not quiet yet: heal does not poll.
    await clock.advance(19_000);
    expect((await runner.heal()).polled).toBe(0);

    await clock.advance(1_001); // past veste-ai's pollIntervalMs (20 s)
    const report = await runner.heal();
    expect(report.polled).toBe(1);
    expect(report.watched.map((j) => j.id)).toEqual([job.id]);
    expect(await store.get(job.id)).toMatchObject({
      status: 'completed',
      output: { files: [`veste-ai/user-1/${job.id}/output-1.png`] },
    });
  });

  it('an overdue job still running at RunningHub is cancelled there and ends TIMEOUT', async () => {
    const clock = new FakeClock();
    const { sim, store, submit, runner } = await setup({ clock, sim: { manual: true } });
    const job = await submit(1);
    await clock.advance(10 * 60_000 + 1);
    const report = await runner.heal();
    expect(report.watched.map((j) => j.id)).toEqual([job.id]);
    expect(await store.get(job.id)).toMatchObject({ status: 'failed', errorCode: 'TIMEOUT' });
    expect(sim.tasks.get(job.taskId!)).toMatchObject({ cancelled: true });
  });

  it('a job whose task RunningHub no longer knows ends TASK_LOST at the next poll, not at maxRunMs', async () => {
    const clock = new FakeClock();
    const { sim, store, submit, runner } = await setup({ clock, sim: { manual: true } });
    const job = await submit(1);
    sim.tasks.delete(job.taskId!);
    await clock.advance(60_000);
    await runner.heal();
    expect(await store.get(job.id)).toMatchObject({ status: 'failed', errorCode: 'TASK_LOST' });
  });

  it('the account limit answering 421 keeps jobs queued; they run when capacity returns', async () => {
    const clock = new FakeClock();
    const { sim, store, submit } = await setup({
      clock,
      sim: { manual: true, concurrency: 1 },
    });
    const first = await submit(1);
    expect(first.status).toBe('running');
    const second = await submit(2, 'pose-changer');
    expect(second).toMatchObject({
      status: 'queued',
      waitedInQueue: true,
      position: 1,
      errorCode: 'PROVIDER_BUSY',
      taskId: null,
    });
    // What the user reads while it waits (RunningHub's 421 itself is in the request log).
    expect(second.errorMessage).toBe(
      'PROVIDER_BUSY: the AI provider is busy: the job waits for it',
    );
    expect(sim.requests.filter((r) => r.code === 421)).toHaveLength(1);

    // Still full at the first retry: back to the queue head, attempt 2.
    await clock.advance(3_000);
    await vi.waitFor(() => expect(sim.requests.filter((r) => r.code === 421)).toHaveLength(2));
    await vi.waitFor(async () =>
      expect(await store.get(second.id)).toMatchObject({ status: 'queued', attempts: 2 }),
    );

    // Capacity returns: the first task ends (its callback frees the slot).
    await sim.finish(first.taskId!);
    expect((await store.get(first.id))?.status).toBe('completed');
    await clock.advance(8_000);
    const started = await vi.waitFor(async () => {
      const job = await store.get(second.id);
      expect(job).toMatchObject({ status: 'running' });
      expect(job?.taskId).not.toBeNull();
      return job!;
    });
    expect(sim.tasks.get(started.taskId!)?.webappId).toBe('2018451429635133442');
    await sim.finish(started.taskId!);
    expect((await store.get(second.id))?.status).toBe('completed');
    expect(sim.maxActive).toBe(1);
  });

  it('cancelling a running job cancels its task at RunningHub; a later callback changes nothing', async () => {
    const { sim, store, submit, runner, postRaw } = await setup({ sim: { manual: true } });
    const job = await submit(1, 'video-upscaler');
    const cancelled = await runner.cancel({ jobId: job.id, userId: 'user-1', confirm: true });
    expect(cancelled).toMatchObject({ status: 'cancelled', errorCode: 'CANCELLED_BY_USER' });
    expect(sim.tasks.get(job.taskId!)).toMatchObject({ cancelled: true, status: 'FAILED' });
    expect(sim.requests.map((r) => r.path)).toContain('/task/openapi/cancel');
    const success = JSON.stringify({
      event: 'TASK_END',
      taskId: job.taskId,
      eventData: JSON.stringify({ code: 0, msg: 'success', data: [] }),
    });
    expect((await postRaw(job.id, success)).status).toBe(200);
    expect(await store.get(job.id)).toEqual(cancelled);
  });
});
