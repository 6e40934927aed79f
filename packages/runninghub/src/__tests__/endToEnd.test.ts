import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AnyTool,
  type Clock,
  defineTool,
  FakeClock,
  type Job,
  JobGateError,
  JobRunner,
  MemoryStore,
  type RunnerRetry,
  webhookToken,
} from '@jobgate/core';
import { sampleInputs, tools } from '@jobgate/example-tools';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RUNNINGHUB_PATHS } from '../runningHubPaths.js';
import { createRunningHubProvider } from '../runningHubProvider.js';
import {
  type RunningHubSimulator,
  type RunningHubSimulatorOptions,
  startRunningHubSimulator,
} from '../runningHubSimulator.js';
import { uuid } from './helpers.js';

const KEY = 'e2e-key';
const SECRET = 'e2e-webhook-secret-0123456789abcdef';

/** The host app's callback route: `POST /webhooks/:provider/:token` → runner.handleWebhook. */
async function startWebhookServer(runner: () => JobRunner): Promise<{
  url: string;
  answers: { status: number; body: string }[];
  close(): Promise<void>;
}> {
  const answers: { status: number; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const match = /^\/webhooks\/([^/]+)\/([^/?]+)$/.exec(req.url ?? '');
      const reply = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        answers.push({ status, body: text });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(text);
      };
      if (req.method !== 'POST' || !match) return reply(404, { error: 'no route' });
      const request = new Request(`http://hooks${req.url}`, {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
        body: new Uint8Array(Buffer.concat(chunks)),
      });
      runner()
        .handleWebhook(decodeURIComponent(match[2]!), request)
        .then(
          (job) => reply(200, { id: job.id, status: job.status }),
          (error: unknown) => {
            const err =
              error instanceof JobGateError ? error : new JobGateError('INTERNAL', String(error));
            reply(err.status, err.toJSON());
          },
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answers,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setup(
  options: {
    sim?: RunningHubSimulatorOptions;
    clock?: Clock;
    globalCap?: number;
    tools?: readonly AnyTool[];
    retry?: RunnerRetry;
  } = {},
) {
  const sim: RunningHubSimulator = await startRunningHubSimulator({
    apiKeys: [KEY],
    ...options.sim,
  });
  cleanups.push(() => sim.close());
  let runner: JobRunner | undefined;
  const hooks = await startWebhookServer(() => runner!);
  cleanups.push(() => hooks.close());
  const store = new MemoryStore();
  const provider = createRunningHubProvider({
    apiKey: KEY,
    baseUrl: sim.url,
    retry: { backoffMs: [1] },
  });
  runner = new JobRunner({
    store,
    provider,
    tools: options.tools ?? tools,
    webhook: { baseUrl: hooks.url, secret: SECRET },
    ...(options.retry ? { retry: options.retry } : {}),
    random: () => 0.5,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.globalCap ? { policy: { globalCap: options.globalCap } } : {}),
  });
  const r = runner;
  cleanups.push(() => r.close());
  const submit = (n: number, tool: keyof typeof sampleInputs = 'veste-ai') =>
    r.submit({ jobId: uuid(n), tool, userId: `user-${n}`, input: sampleInputs[tool] });
  const postRaw = async (jobId: string, body: string) => {
    const url = await r.webhookUrl(jobId);
    return fetch(url!, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  };
  return { sim, hooks, store, provider, runner: r, submit, postRaw };
}

const waitForStatus = (store: MemoryStore, jobId: string, status: Job['status']) =>
  vi.waitFor(
    async () => {
      const job = await store.get(jobId);
      expect(job?.status).toBe(status);
      return job!;
    },
    { timeout: 5_000, interval: 10 },
  );

describe('JobRunner + MemoryStore + RunningHubProvider against the simulated RunningHub', () => {
  it('runs the four tools; outputs arrive through the webhook; the fourth job waits for a slot', async () => {
    const { sim, store, submit, runner } = await setup({ sim: { manual: true, seed: 5 } });
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
      const task = sim.tasks.get(job.taskId!);
      expect(task?.webappId).toBe(appIds[name]);
      expect(task?.webhookUrl).toBe(await runner.webhookUrl(job.id));
      const ext = name === 'video-upscaler' ? 'mp4' : 'png';
      expect(job.output).toEqual({
        files: [`${sim.url}/outputs/${job.taskId}/0.${ext}`],
        outputs: [expect.objectContaining({ fileType: ext })],
      });
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

  it('a task that fails at RunningHub fails the job with its code and reason', async () => {
    const { sim, store, submit } = await setup({ sim: { manual: true } });
    const job = await submit(1, 'pose-changer');
    await sim.finish(job.taskId!, 'FAILED');
    expect(await store.get(job.id)).toMatchObject({
      status: 'failed',
      errorCode: 'PROVIDER_ERROR',
      errorMessage:
        'PROVIDER_ERROR: the simulated workflow failed (node KSampler) (provider code 805)',
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
      output: { files: [`${sim.url}/outputs/${job.taskId}/0.png`] },
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
    expect(second.errorMessage).toMatch(/421 TASK_QUEUE_MAXED/);
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

  describe('bad callbacks are refused with a clear error and change no job', () => {
    const body = (taskId: string | null) =>
      JSON.stringify({
        event: 'TASK_END',
        taskId,
        eventData: JSON.stringify({ code: 0, msg: 'success', data: [] }),
      });

    it.each([
      ['a wrong token', async (jobId: string) => `${jobId}.not-the-token`],
      [
        'a token signed with another secret',
        (jobId: string) => webhookToken('some-other-secret-0123456789', jobId),
      ],
      ['no token at all', async () => 'unsigned'],
    ])('%s → 401 UNAUTHENTICATED', async (_what, token) => {
      const { sim, store, submit, hooks } = await setup({ sim: { manual: true } });
      const job = await submit(1);
      const before = await store.get(job.id);
      const response = await fetch(
        `${hooks.url}/webhooks/runninghub/${encodeURIComponent(await token(job.id))}`,
        { method: 'POST', body: body(job.taskId) },
      );
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
      expect(await store.get(job.id)).toEqual(before);
      expect(sim.tasks.get(job.taskId!)?.status).toBe('RUNNING');
    });

    it('a malformed body with a valid token → 400 VALIDATION', async () => {
      const { store, submit, postRaw } = await setup({ sim: { manual: true } });
      const job = await submit(1);
      const before = await store.get(job.id);
      for (const bad of [
        'not json',
        '{"event":"TASK_END"}',
        body(job.taskId).replace('\\"code\\":0', '\\"code'),
      ]) {
        const response = await postRaw(job.id, bad);
        expect(response.status).toBe(400);
        const answer = (await response.json()) as { error: { code: string; message: string } };
        expect(answer.error.code).toBe('VALIDATION');
        expect(answer.error.message).toMatch(/malformed RunningHub webhook/);
      }
      expect(await store.get(job.id)).toEqual(before);
    });

    it('an unknown task id with a valid token → 400, naming the other task', async () => {
      const { store, submit, postRaw } = await setup({ sim: { manual: true } });
      const job = await submit(1);
      const before = await store.get(job.id);
      const response = await postRaw(job.id, body('1999999999999999999'));
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { code: 'VALIDATION', message: 'the update is for another task' },
      });
      expect(await store.get(job.id)).toEqual(before);
    });

    it('a valid token for a job that does not exist → 404', async () => {
      const { postRaw, store } = await setup({ sim: { manual: true } });
      const response = await postRaw(uuid(777), body('1'));
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
      expect(await store.get(uuid(777))).toBeNull();
    });
  });

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
    const { sim, store, runner } = await setup({
      tools: fast,
      retry: { backoffMs: [20, 40, 80], maxTransientAttempts: 4 },
      sim: {
        seed: 21,
        durationMs: [20, 120],
        rates: {
          busy: 0.15,
          transient: 0.05,
          fail: 0.15,
          lostWebhook: 0.25,
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
    const names = ['upscaler', 'pose-changer', 'veste-ai', 'video-upscaler'] as const;
    const ids: string[] = [];
    for (let i = 1; i <= 24; i++) {
      const name = names[i % 4]!;
      ids.push(uuid(i));
      await runner
        .submit({ jobId: uuid(i), tool: name, userId: `u${i}`, input: sampleInputs[name] })
        .catch((error: unknown) => {
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
        expect((job.output as { files: string[] }).files).toHaveLength(1);
      } else {
        expect(job.errorMessage).toMatch(/^[A-Z_]+: /);
      }
    }
    // Every task RunningHub ran belongs to exactly one job: nothing started twice.
    const taskIds = jobs.map((j) => j.taskId).filter((t) => t !== null);
    expect(new Set(taskIds).size).toBe(taskIds.length);
    expect([...sim.tasks.keys()].sort()).toEqual([...taskIds].sort());
    // The chaos really happened.
    expect(sim.requests.some((r) => r.code === 421)).toBe(true);
    expect(sim.deliveries.some((d) => d.lost)).toBe(true);
    expect(jobs.some((j) => j.status === 'completed')).toBe(true);
    expect(jobs.some((j) => j.status === 'failed')).toBe(true);
    // Some callbacks were lost, and the watchdog still completed those jobs.
    expect(
      jobs.some((j) => j.status === 'completed' && sim.tasks.get(j.taskId!)?.loseWebhook),
    ).toBe(true);
  });
});
