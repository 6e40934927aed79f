import { webhookToken } from '@jobgate/core/adapter';
import { describe, expect, it } from 'vitest';
import { setup, useEndToEnd } from './endToEndHarness.js';
import { uuid } from './helpers.js';

useEndToEnd();

describe('JobRunner + MemoryStore + RunningHubProvider against the simulated RunningHub', () => {
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

    it('a well-signed token for a job that does not exist → 401 (a token names a job and its start)', async () => {
      const { postRaw, store } = await setup({ sim: { manual: true } });
      const response = await postRaw(uuid(777), body('1'));
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
      expect(await store.get(uuid(777))).toBeNull();
    });
  });
});
