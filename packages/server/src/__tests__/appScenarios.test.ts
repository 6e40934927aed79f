import { webhookToken } from '@jobgate/core/adapter';
import { SIMULATED_RESULT } from '@jobgate/core/testing';
import { invalidInputs } from '@jobgate/example-tools';
import { describe, expect, it } from 'vitest';
import {
  phantom,
  setup,
  TOKENS,
  TOOL_IDS,
  type ToolId,
  USERS,
  uuid,
  WEBHOOK_SECRET,
} from './harness.js';

describe.each(TOOL_IDS)('the existing app’s scenarios, tool %s', (tool: ToolId) => {
  it('1a. invalid input → 400 with a code, no row, and a retry (even with the same id) works at once', async () => {
    const { call, store, activeOf, upload } = setup();
    const bad = await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool, input: invalidInputs[tool] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body?.error).toMatchObject({ code: 'VALIDATION', jobId: uuid(1) });
    expect(await store.get(uuid(1))).toBeNull();
    expect(activeOf('alice')).toEqual([]);
    expect((await call('GET', '/jobs/active')).body).toEqual({ job: null });
    const retry = await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool, input: upload(tool, uuid(1)) },
    });
    expect(retry.status).toBe(200);
    expect(retry.body?.job).toMatchObject({ id: uuid(1), status: 'running', userId: 'alice' });
  });

  it('1b. rate limit by rapid clicks → 429, no row, nothing blocks the retry', async () => {
    const { call, store, clock, activeOf, upload } = setup();
    // Five rapid clicks on a form that is still wrong, then the sixth with good input.
    for (let i = 1; i <= 5; i++) {
      const r = await call('POST', '/jobs', {
        body: { jobId: uuid(i), tool, input: invalidInputs[tool] },
      });
      expect(r.status).toBe(400);
    }
    const limited = await call('POST', '/jobs', {
      body: { jobId: uuid(6), tool, input: upload(tool, uuid(6)) },
    });
    expect(limited.status).toBe(429);
    expect(limited.body?.error).toMatchObject({ code: 'RATE_LIMITED', jobId: uuid(6) });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(store.snapshot()).toEqual([]);
    expect(activeOf('alice')).toEqual([]);
    expect((await call('GET', '/jobs/active')).body).toEqual({ job: null });
    // After the window the same click (same job id) runs at once.
    await clock.advance(Number(limited.headers.get('retry-after')) * 1000);
    const retry = await call('POST', '/jobs', {
      body: { jobId: uuid(6), tool, input: upload(tool, uuid(6)) },
    });
    expect(retry.status).toBe(200);
    expect(retry.body?.job?.status).toBe('running');
  });

  it('2. three running → the 4th is queued at position 1 and runs when a slot frees', async () => {
    const { call, store, upload } = setup();
    const users = USERS.slice(0, 4);
    const answers = [];
    for (const [i, user] of users.entries()) {
      answers.push(
        await call('POST', '/jobs', {
          token: TOKENS[user],
          body: { jobId: uuid(i + 1), tool, input: upload(tool, uuid(i + 1), user) },
        }),
      );
    }
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(answers.slice(0, 3).map((a) => a.body?.job?.status)).toEqual([
      'running',
      'running',
      'running',
    ]);
    expect(answers[3]?.body?.job).toMatchObject({
      status: 'queued',
      waitedInQueue: true,
      position: 1,
    });
    const slots = await call('GET', '/slots');
    expect(slots.body).toEqual({ pool: 'default', cap: 3, running: 3, queued: 1 });
    // The provider calls back: the first job completed.
    const first = (await store.get(uuid(1)))!;
    const token = await webhookToken(WEBHOOK_SECRET, uuid(1));
    const hook = await call('POST', `/webhooks/simulated/${token}`, {
      token: null,
      body: { taskId: first.taskId, state: 'completed', output: { files: [SIMULATED_RESULT] } },
    });
    expect(hook.status).toBe(200);
    expect(hook.body).toEqual({ ok: true });
    // Completed once its result is in the app's storage, at the job's own path.
    expect(await store.get(uuid(1))).toMatchObject({
      status: 'completed',
      output: { files: [`${tool}/alice/${uuid(1)}/output-1.png`] },
    });
    const fourth = await call('GET', `/jobs/${uuid(4)}`, { token: TOKENS.dave });
    expect(fourth.body?.job).toMatchObject({ status: 'running', waitedInQueue: true });
    expect(fourth.body?.job?.taskId).not.toBeNull();
  });

  it('3. a phantom row of the old shape is healed by GET /jobs/active past the threshold', async () => {
    const { call, store, clock, upload } = setup();
    store.unsafeInsert(phantom(uuid(9), 'alice', tool, clock.now() - 5_000));
    // Within the threshold it is still shown (it might be a request in flight)…
    const early = await call('GET', '/jobs/active');
    expect(early.body?.job?.id).toBe(uuid(9));
    await clock.advance(11_000);
    // …past it, the active check heals it and the user is free.
    const late = await call('GET', '/jobs/active');
    expect(late.body).toEqual({ job: null });
    expect(await store.get(uuid(9))).toMatchObject({
      status: 'cancelled',
      errorCode: 'STALE_START',
      completedAt: expect.any(String),
    });
    const next = await call('POST', '/jobs', {
      body: { jobId: uuid(10), tool, input: upload(tool, uuid(10)) },
    });
    expect(next.status).toBe(200);
    expect(next.body?.job?.status).toBe('running');
  });

  it('4. cancel: an unreal queued job freely, a real one only with confirm, never someone else’s', async () => {
    const { call, store, clock, upload } = setup();
    // An unreal (phantom) queued job of alice's: cancelled without confirm.
    store.unsafeInsert(phantom(uuid(20), 'alice', tool, clock.now()));
    const free = await call('POST', `/jobs/${uuid(20)}/cancel`, { body: {} });
    expect(free.status).toBe(200);
    expect(free.body?.job).toMatchObject({ status: 'cancelled', errorCode: 'CANCELLED_BY_USER' });
    // Fill the three slots, then alice really waits.
    for (const [i, user] of (['bob', 'carol', 'dave'] as const).entries()) {
      await call('POST', '/jobs', {
        token: TOKENS[user],
        body: { jobId: uuid(30 + i), tool, input: upload(tool, uuid(30 + i), user) },
      });
    }
    const queued = await call('POST', '/jobs', {
      body: { jobId: uuid(40), tool, input: upload(tool, uuid(40)) },
    });
    expect(queued.body?.job).toMatchObject({ status: 'queued', position: 1 });
    // Bob cannot cancel it, nor see it: 404, and it is untouched.
    const foreign = await call('POST', `/jobs/${uuid(40)}/cancel`, {
      token: TOKENS.bob,
      body: { confirm: true },
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body?.error?.code).toBe('NOT_FOUND');
    expect(foreign.body?.error?.jobId).toBeUndefined();
    expect((await store.get(uuid(40)))?.status).toBe('queued');
    // Alice without confirm: 409, still queued (a real place in the queue is not lost by accident).
    const unconfirmed = await call('POST', `/jobs/${uuid(40)}/cancel`);
    expect(unconfirmed.status).toBe(409);
    expect(unconfirmed.body?.error).toMatchObject({ code: 'CONFIRM_REQUIRED', jobId: uuid(40) });
    expect(await store.get(uuid(40))).toMatchObject({ status: 'queued', position: 1 });
    const confirmed = await call('POST', `/jobs/${uuid(40)}/cancel`, { body: { confirm: true } });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body?.job).toMatchObject({ status: 'cancelled', position: null });
    // Bob's running job was never touched by any of this.
    expect((await store.get(uuid(30)))?.status).toBe('running');
  });
});
