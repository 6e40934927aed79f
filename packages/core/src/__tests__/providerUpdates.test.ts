import { describe, expect, it } from 'vitest';
import { handParts, handRunner as setup, uuid } from './handRunner.js';

describe('smaller truths (#9)', () => {
  it('records the task id from a webhook that beat the start answer', async () => {
    const { clock, store, provider, submit, runner } = setup();
    let accept!: (taskId: string) => void;
    provider.starts.push(new Promise<string>((r) => (accept = r)));
    const pending = submit(1);
    await clock.advance(0);
    await runner.applyUpdate(uuid(1), {
      taskId: 'fast-task',
      state: 'completed',
      output: { url: 'o' },
    });
    expect(await store.get(uuid(1))).toMatchObject({ status: 'completed', taskId: 'fast-task' });
    accept('fast-task');
    expect((await pending).status).toBe('completed');
  });
});

describe('ProviderUpdates', () => {
  it('clamps progress to 0..1 and announces it once per change', async () => {
    const { clock, ctx, store, place, updates } = handParts();
    await place(1);
    await store.attachTask(uuid(1), 'task-a', clock.now());
    const seen: Array<number | null> = [];
    ctx.events.on('progress', (job) => seen.push(job.progress));
    await updates.apply(uuid(1), { taskId: 'task-a', state: 'running', progress: 1.7 });
    await updates.apply(uuid(1), { taskId: 'task-a', state: 'running', progress: 1 });
    await updates.apply(uuid(1), { taskId: 'task-a', state: 'running', progress: -0.5 });
    expect(seen).toEqual([1, 0]);
  });

  it("ends a job the provider failed with the provider's code in the message, its words for operators only, refunded", async () => {
    const { clock, store, billing, place, updates, errors } = handParts();
    await place(1);
    await store.attachTask(uuid(1), 'task-a', clock.now());
    const ended = await updates.apply(uuid(1), {
      taskId: 'task-a',
      state: 'failed',
      error: { code: '1234', message: 'the prompt was refused' },
    });
    expect(ended).toMatchObject({
      status: 'failed',
      errorCode: 'PROVIDER_ERROR',
      errorMessage: 'PROVIDER_ERROR: the AI provider could not run the job (provider code 1234)',
    });
    expect(errors).toContainEqual({
      during: 'provider-failed',
      jobId: uuid(1),
      message: 'the prompt was refused',
    });
    expect(billing.refunds).toEqual([uuid(1)]);
  });

  it('refuses webhooks when the runner has no webhook options', async () => {
    const { updates } = handParts();
    await expect(
      updates.handleWebhook('token', new Request('https://x.test', { method: 'POST' })),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
