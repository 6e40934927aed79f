import type { Job } from '@jobgate/core';
import { webhookToken } from '@jobgate/core/adapter';
import { SIMULATED_RESULT } from '@jobgate/core/testing';
import { describe, expect, it } from 'vitest';
import { phantom, setup, TOKENS, uuid, WEBHOOK_SECRET } from './harness.js';

describe('routes', () => {
  it('GET /jobs/:id returns the own job, 404 for a foreign or missing one', async () => {
    const { call, upload } = setup();
    await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool: 'veste-ai', input: upload('veste-ai', uuid(1)) },
    });
    const own = await call('GET', `/jobs/${uuid(1)}`);
    expect(own.status).toBe(200);
    expect(own.body?.job?.id).toBe(uuid(1));
    const foreign = await call('GET', `/jobs/${uuid(1)}`, { token: TOKENS.bob });
    const missing = await call('GET', `/jobs/${uuid(2)}`, { token: TOKENS.bob });
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    // A foreign job looks exactly like a missing one.
    expect(foreign.body?.error?.code).toBe(missing.body?.error?.code);
    expect(foreign.body?.error?.message).toBe(missing.body?.error?.message);
  });

  it('POST /jobs is idempotent on the job id and never lets a user take a foreign id', async () => {
    const { call, store, upload } = setup();
    const body = { jobId: uuid(1), tool: 'veste-ai', input: upload('veste-ai', uuid(1)) };
    const first = await call('POST', '/jobs', { body });
    const again = await call('POST', '/jobs', { body });
    expect(again.status).toBe(200);
    expect(again.body?.job?.id).toBe(first.body?.job?.id);
    // Someone else's id is refused as the store refuses any id another job uses: the same
    // status, code and message, whoever's it is, and nothing about the job.
    const stolen = await call('POST', '/jobs', { token: TOKENS.bob, body });
    expect(stolen.status).toBe(409);
    expect(stolen.body?.error).toMatchObject({
      code: 'CONFLICT',
      message: 'this job id is already used by another job',
      jobId: uuid(1),
    });
    expect(JSON.stringify(stolen.body)).not.toMatch(/alice|veste|running/);
    const again2 = await call('POST', '/jobs', { token: TOKENS.carol, body });
    expect([again2.status, again2.body?.error?.code, again2.body?.error?.message]).toEqual([
      stolen.status,
      stolen.body?.error?.code,
      stolen.body?.error?.message,
    ]);
    expect((await store.get(uuid(1)))?.userId).toBe('alice');
    expect((await store.get(uuid(1)))?.status).toBe('running');
  });

  it('a body userId is ignored: the user is whoever the token says', async () => {
    const { call, store, upload } = setup();
    const r = await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool: 'veste-ai', input: upload('veste-ai', uuid(1)), userId: 'bob' },
    });
    expect(r.status).toBe(200);
    expect((await store.get(uuid(1)))?.userId).toBe('alice');
  });

  it('a second job while one is active → 409 ACTIVE_JOB_EXISTS, and no row for the refused one', async () => {
    const { call, store, activeOf, upload } = setup();
    await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool: 'upscaler', input: upload('upscaler', uuid(1)) },
    });
    const second = await call('POST', '/jobs', {
      body: { jobId: uuid(2), tool: 'upscaler', input: upload('upscaler', uuid(2)) },
    });
    expect(second.status).toBe(409);
    expect(second.body?.error).toMatchObject({ code: 'ACTIVE_JOB_EXISTS', jobId: uuid(2) });
    expect(await store.get(uuid(2))).toBeNull();
    expect(activeOf('alice').map((j) => j.id)).toEqual([uuid(1)]);
  });

  it('POST /jobs/cancel-session cancels the waiting jobs of the user only', async () => {
    const { call, upload } = setup();
    for (const [i, user] of (['bob', 'carol', 'dave', 'alice'] as const).entries()) {
      const input = upload('pose-changer', uuid(i + 1), user);
      await call('POST', '/jobs', {
        token: TOKENS[user],
        body: { jobId: uuid(i + 1), tool: 'pose-changer', input },
      });
    }
    const r = await call('POST', '/jobs/cancel-session');
    expect(r.status).toBe(200);
    expect(r.body?.jobs?.map((j) => [j.id, j.status])).toEqual([[uuid(4), 'cancelled']]);
    expect((await call('GET', '/slots')).body).toMatchObject({ running: 3, queued: 0 });
  });

  it('POST /maintenance runs heal with service credentials only', async () => {
    const { call, store, clock } = setup();
    store.unsafeInsert(phantom(uuid(5), 'alice', 'upscaler', clock.now() - 60_000));
    const asUser = await call('POST', '/maintenance');
    expect(asUser.status).toBe(403);
    expect(asUser.body?.error?.code).toBe('FORBIDDEN');
    expect((await store.get(uuid(5)))?.status).toBe('queued');
    const asService = await call('POST', '/maintenance', { token: TOKENS.service });
    expect(asService.status).toBe(200);
    const report = asService.body?.report as { healed: Job[] };
    expect(report.healed.map((j) => j.id)).toEqual([uuid(5)]);
    // The service has no user: user routes refuse it.
    expect((await call('GET', '/jobs/active', { token: TOKENS.service })).status).toBe(403);
  });

  it('POST /heal is the heal route (POST /maintenance its old path); service credentials only', async () => {
    const { call, store, clock } = setup();
    store.unsafeInsert(phantom(uuid(6), 'alice', 'upscaler', clock.now() - 60_000));
    const asUser = await call('POST', '/heal');
    expect(asUser.status).toBe(403);
    expect(asUser.body?.error?.message).toBe('this route needs service credentials');
    const asService = await call('POST', '/heal', { token: TOKENS.service });
    expect(asService.status).toBe(200);
    const report = asService.body?.report as { healed: Job[] };
    expect(report.healed.map((j) => j.id)).toEqual([uuid(6)]);
    expect((await store.get(uuid(6)))?.status).toBe('cancelled');
  });

  it('webhooks: a forged or foreign token is 401, a malformed body 400, duplicates change nothing', async () => {
    const { call, store, storage, upload } = setup();
    await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool: 'veste-ai', input: upload('veste-ai', uuid(1)) },
    });
    const job = (await store.get(uuid(1)))!;
    const good = await webhookToken(WEBHOOK_SECRET, uuid(1));
    const forged = await webhookToken('another-secret-0123456789', uuid(1));
    const bad = await call('POST', `/webhooks/simulated/${forged}`, {
      token: null,
      body: { taskId: job.taskId, state: 'completed' },
    });
    expect(bad.status).toBe(401);
    expect((await call('POST', `/webhooks/other/${good}`, { token: null, body: {} })).status).toBe(
      404,
    );
    const malformed = await call('POST', `/webhooks/simulated/${good}`, {
      token: null,
      raw: '{nope',
    });
    expect(malformed.status).toBe(400);
    expect((await store.get(uuid(1)))?.status).toBe('running');
    // A real result (a PNG at a data: URL), copied into the storage before the job completes.
    const body = { taskId: job.taskId, state: 'completed', output: { files: [SIMULATED_RESULT] } };
    expect((await call('POST', `/webhooks/simulated/${good}`, { token: null, body })).status).toBe(
      200,
    );
    const completed = await store.get(uuid(1));
    expect((await call('POST', `/webhooks/simulated/${good}`, { token: null, body })).status).toBe(
      200,
    );
    const stored = `veste-ai/alice/${uuid(1)}/output-1.png`;
    expect(completed).toMatchObject({ status: 'completed', output: { files: [stored] } });
    // The duplicate changed nothing: neither the row nor the stored copy.
    expect(await store.get(uuid(1))).toEqual(completed);
    expect([...storage.files.keys()].filter((p) => p.includes('/output-'))).toEqual([stored]);
  });
});
