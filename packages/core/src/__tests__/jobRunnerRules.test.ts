import { type sampleInputs, tools, uploadSampleInput } from '@jobgate/example-tools';
import { describe, expect, it, vi } from 'vitest';
import { type Job, jobRecord } from '../domain/job.js';
import { MemoryStore } from '../memory/memoryStore.js';
import { JobRunner } from '../runner/jobRunner.js';
import { verifyWebhookToken, webhookToken } from '../runner/webhookToken.js';
import { FakeClock } from '../testing/fakeClock.js';
import { MemoryFileStorage } from '../testing/memoryFileStorage.js';
import { SimulatedProvider } from '../testing/simulatedProvider.js';

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const SECRET = 'a-webhook-secret-of-32-characters';

function setup(lostWebhook = 0) {
  const clock = new FakeClock();
  const store = new MemoryStore();
  const storage = new MemoryFileStorage();
  const provider = new SimulatedProvider({
    clock,
    startLatencyMs: [0, 0],
    durationMs: [5_000, 5_000],
    rates: { lostWebhook },
  });
  const runner = new JobRunner({
    store,
    provider,
    tools,
    storage,
    clock,
    random: () => 0.5,
    webhook: { baseUrl: 'https://api.example.com/functions/v1/jobs/', secret: SECRET },
  });
  provider.onUpdate((jobId, update) => void runner.applyUpdate(jobId, update));
  const submit = (n: number, user = `u${n}`, tool: keyof typeof sampleInputs = 'veste-ai') =>
    runner.submit({
      jobId: uuid(n),
      tool,
      userId: user,
      input: uploadSampleInput(storage, tool, { userId: user, jobId: uuid(n) }),
    });
  return { clock, store, storage, provider, runner, submit };
}

describe('JobRunner rules', () => {
  it('answers a repeated submit (same id) with the same job and starts it once', async () => {
    const { submit, provider } = setup();
    const [a, b] = await Promise.all([submit(1, 'u'), submit(1, 'u')]);
    expect(a.id).toBe(b.id);
    expect(provider.stats.started).toBe(1);
  });

  it('refuses a job id that belongs to someone else with CONFLICT and changes nothing', async () => {
    const { submit, store } = setup();
    const mine = await submit(1, 'owner');
    await expect(submit(1, 'intruder')).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await store.get(mine.id)).toEqual(mine);
  });

  it('refuses a second active job with ACTIVE_JOB_EXISTS, naming the active one, and no row', async () => {
    const { submit, store } = setup();
    const first = await submit(1, 'u');
    const error = await submit(2, 'u').catch((e) => e);
    expect(error).toMatchObject({ code: 'ACTIVE_JOB_EXISTS', jobId: uuid(2) });
    expect(error.details.activeJobId).toBe(first.id);
    expect(await store.get(uuid(2))).toBeNull();
  });

  it('hides other users jobs (NOT_FOUND) for get and cancel', async () => {
    const { submit, runner } = setup();
    await submit(1, 'alice');
    await expect(runner.get(uuid(1), 'bob')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      runner.cancel({ jobId: uuid(1), userId: 'bob', confirm: true }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await runner.get(uuid(1), 'alice')).status).toBe('running');
  });

  it('needs confirm to cancel a real queued or running job, and frees the slot for the queue head', async () => {
    const { submit, runner, provider } = setup();
    for (let i = 1; i <= 3; i++) await submit(i);
    const queued = await submit(4);
    const behind = await submit(5);
    await expect(runner.cancel({ jobId: queued.id, userId: 'u4' })).rejects.toMatchObject({
      code: 'CONFIRM_REQUIRED',
    });
    expect((await runner.get(queued.id, 'u4')).status).toBe('queued');
    expect((await runner.cancel({ jobId: queued.id, userId: 'u4', confirm: true })).status).toBe(
      'cancelled',
    );
    expect((await runner.get(behind.id, 'u5')).position).toBe(1);
    await expect(runner.cancel({ jobId: uuid(1), userId: 'u1' })).rejects.toMatchObject({
      code: 'CONFIRM_REQUIRED',
    });
    const cancelled = await runner.cancel({ jobId: uuid(1), userId: 'u1', confirm: true });
    expect(cancelled).toMatchObject({ status: 'cancelled', errorCode: 'CANCELLED_BY_USER' });
    expect(provider.stats.cancelled).toBe(1);
    expect((await runner.get(behind.id, 'u5')).status).toBe('running');
    // Cancelling a terminal job is idempotent.
    expect((await runner.cancel({ jobId: uuid(1), userId: 'u1' })).status).toBe('cancelled');
  });

  it('cancels a phantom queue entry without confirm', async () => {
    const { runner, store, clock } = setup();
    const phantom: Job = {
      ...jobRecord(
        {
          id: uuid(9),
          tool: 'upscaler',
          userId: 'legacy',
          pool: 'default',
          input: {},
          userCreditCost: 0,
        },
        clock.now(),
      ),
      status: 'queued',
    };
    store.unsafeInsert(phantom);
    expect((await runner.cancel({ jobId: phantom.id, userId: 'legacy' })).status).toBe('cancelled');
  });

  it('cancels every waiting job of a session and leaves running ones', async () => {
    const { runner, store, storage, clock } = setup();
    const policyRunner = new JobRunner({
      store,
      provider: runner.provider,
      tools,
      storage,
      clock,
      policy: { maxActivePerUser: 5, globalCap: 1 },
    });
    for (let i = 1; i <= 3; i++)
      await policyRunner.submit({
        jobId: uuid(i),
        tool: 'veste-ai',
        userId: 's',
        input: uploadSampleInput(storage, 'veste-ai', { userId: 's', jobId: uuid(i) }),
      });
    const cancelled = await policyRunner.cancelSession('s');
    expect(cancelled.map((j) => j.id).sort()).toEqual([uuid(2), uuid(3)]);
    expect((await store.get(uuid(1)))?.status).toBe('running');
  });

  it('recovers a lost webhook by polling once the tool poll interval passed', async () => {
    const { submit, runner, clock } = setup(1);
    const job = await submit(1);
    await clock.advance(5_000);
    expect((await runner.get(job.id, 'u1')).status).toBe('running');
    await clock.advance(20_000);
    const report = await runner.heal();
    expect(report.polled).toBe(1);
    expect(await runner.get(job.id, 'u1')).toMatchObject({
      status: 'completed',
      output: { files: [expect.any(String)] },
    });
  });

  it('ends an overdue job after asking the provider: TIMEOUT and cancelled there', async () => {
    const { submit, runner, clock, provider } = setup();
    const job = await submit(1);
    const task = provider.tasks.get(job.taskId!)!;
    clock.clearTimeout(task.timer as never); // the provider hangs forever
    await clock.advance(10 * 60_000 + 1);
    await runner.heal();
    expect(await runner.get(job.id, 'u1')).toMatchObject({
      status: 'failed',
      errorCode: 'TIMEOUT',
    });
    expect(task.state).toBe('cancelled');
  });

  it('accepts a completion by webhook with the per-job token, once', async () => {
    const { submit, runner, provider } = setup();
    const job = await submit(1);
    const url = await runner.webhookUrl(job.id);
    expect(url).toMatch(/^https:\/\/api\.example\.com\/functions\/v1\/jobs\/webhooks\/simulated\//);
    const token = url!.split('/').pop()!;
    const body = JSON.stringify({ taskId: job.taskId, state: 'completed', output: { url: 'x' } });
    const done = await runner.handleWebhook(
      token,
      new Request('http://x', { method: 'POST', body }),
    );
    expect(done).toMatchObject({ status: 'completed', output: { url: 'x' } });
    // Late and duplicate deliveries change nothing.
    const late = JSON.stringify({ taskId: job.taskId, state: 'failed' });
    expect(
      await runner.handleWebhook(token, new Request('http://x', { method: 'POST', body: late })),
    ).toEqual(done);
    expect(provider.stats.started).toBe(1);
  });

  it('refuses forged tokens and updates for another task', async () => {
    const { submit, runner } = setup();
    const job = await submit(1);
    const forged = `${job.id}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
    const body = JSON.stringify({ taskId: job.taskId, state: 'completed' });
    await expect(
      runner.handleWebhook(forged, new Request('http://x', { method: 'POST', body })),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    // A valid token of a job that does not exist says nothing about it: refused the same way.
    const otherToken = await webhookToken(SECRET, uuid(2));
    await expect(
      runner.handleWebhook(otherToken, new Request('http://x', { method: 'POST', body })),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(
      runner.applyUpdate(job.id, { state: 'completed', taskId: 'another-task' }),
    ).rejects.toMatchObject({ code: 'VALIDATION' });
    expect((await runner.get(job.id, 'u1')).status).toBe('running');
  });

  it('webhook tokens verify only for their job and attempt, under the current or a previous secret', async () => {
    const token = await webhookToken(SECRET, 'job-a', 2);
    expect(await verifyWebhookToken(SECRET, token)).toEqual({ jobId: 'job-a', attempt: 2 });
    await expect(verifyWebhookToken(SECRET, token.replace('job-a', 'job-b'))).rejects.toMatchObject(
      { code: 'UNAUTHENTICATED' },
    );
    await expect(verifyWebhookToken(SECRET, token.replace('.2.', '.3.'))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    // A rotation: tokens of the old secret still verify while it is listed after the new one.
    const NEW = 'the-new-webhook-secret-0123456789';
    expect(await verifyWebhookToken([NEW, SECRET], token)).toEqual({ jobId: 'job-a', attempt: 2 });
    await expect(verifyWebhookToken([NEW], token)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    await expect(
      verifyWebhookToken('another-secret-of-enough-length', token),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(verifyWebhookToken(SECRET, 'garbage')).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });

  it('refuses the callback token of an earlier start attempt once the job went back to the queue and started again', async () => {
    const { runner, provider, clock, submit } = setup();
    provider.capacity = 0;
    const queued = await submit(1, 'u1');
    expect(queued).toMatchObject({ status: 'queued', attempts: 1 });
    const first = await webhookToken(SECRET, queued.id, 0);
    provider.capacity = 3;
    await clock.advance(3_500);
    let running = await runner.get(queued.id, 'u1');
    for (let i = 0; i < 50 && running.taskId === null; i++) {
      await new Promise((r) => setTimeout(r, 1));
      running = await runner.get(queued.id, 'u1');
    }
    expect(running).toMatchObject({ status: 'running', attempts: 1 });
    expect(running.taskId).not.toBeNull();
    const body = JSON.stringify({ taskId: running.taskId, state: 'completed' });
    await expect(
      runner.handleWebhook(first, new Request('http://x', { method: 'POST', body })),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((await runner.get(queued.id, 'u1')).status).toBe('running');
    const second = (await runner.webhookUrl(queued.id, 1))!.split('/').at(-1)!;
    const done = await runner.handleWebhook(
      second,
      new Request('http://x', { method: 'POST', body }),
    );
    expect(done.status).toBe('completed');
  });

  it('a refused submit writes no row, so refusals cannot grow the table', async () => {
    const { runner, store, submit } = setup();
    const first = await submit(1, 'u');
    for (let n = 2; n <= 40; n++) {
      await expect(submit(n, 'u')).rejects.toMatchObject({ code: 'ACTIVE_JOB_EXISTS' });
    }
    await expect(
      runner.submit({ jobId: uuid(50), tool: 'veste-ai', userId: 'v', input: { bad: true } }),
    ).rejects.toMatchObject({ code: 'VALIDATION', jobId: uuid(50) });
    expect(store.snapshot().map((j) => j.id)).toEqual([first.id]);
  });

  it('emits lifecycle events', async () => {
    const { submit, runner, clock } = setup();
    const seen: string[] = [];
    for (const event of ['created', 'queued', 'started', 'completed'] as const)
      runner.on(event, (job) => seen.push(`${event}:${job.id.slice(-1)}`));
    for (let i = 1; i <= 4; i++) await submit(i);
    await clock.advance(5_000);
    expect(seen).toContain('queued:4');
    // Starting the promoted job signs its webhook URL (crypto.subtle runs off the event loop).
    await vi.waitFor(() => expect(seen).toContain('started:4'));
    expect(seen.filter((s) => s.startsWith('completed'))).toHaveLength(3);
  });
});
