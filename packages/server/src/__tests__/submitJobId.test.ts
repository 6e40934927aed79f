import { describe, expect, it } from 'vitest';
import { setup, uuid } from './harness.js';

describe('POST /jobs: the route parses the body once, its answers as before (#22)', () => {
  it('a malformed or missing id is refused VALIDATION, after the submit limit, naming every issue', async () => {
    const { call, store } = setup({ rateLimits: { submit: { limit: 2, windowMs: 60_000 } } });
    const bad = await call('POST', '/jobs', { body: { jobId: 'not-a-uuid', tool: '', input: {} } });
    expect(bad.status).toBe(400);
    expect(bad.body?.error?.code).toBe('VALIDATION');
    expect(bad.body?.error?.message).toMatch(/^invalid request: jobId: .+; tool: .+/);
    expect(bad.body?.error?.jobId).toBeUndefined();
    const missing = await call('POST', '/jobs', { body: { tool: 'veste-ai', input: {} } });
    expect(missing.body?.error?.message).toMatch(/^invalid request: jobId: /);
    // Both were counted against the limit: the third is limited before it is validated.
    const third = await call('POST', '/jobs', { body: { jobId: 7, tool: 'veste-ai', input: {} } });
    expect(third.body?.error?.code).toBe('RATE_LIMITED');
    expect(store.snapshot()).toEqual([]);
  });

  it('a well-formed id with a malformed rest names the id, and answers a repeated id with its job', async () => {
    const { call, upload } = setup({ rateLimits: { submit: { limit: 1, windowMs: 60_000 } } });
    const first = await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool: 'veste-ai', input: upload('veste-ai', uuid(1)) },
    });
    expect(first.status).toBe(200);
    // A retry of the same id with a broken body, past the limit: the job as it is.
    const again = await call('POST', '/jobs', { body: { jobId: uuid(1), tool: 42 } });
    expect(again.status).toBe(200);
    expect(again.body?.job?.id).toBe(uuid(1));
    const other = await call('POST', '/jobs', { body: { jobId: uuid(2), tool: 42 } });
    expect(other.body?.error).toMatchObject({ code: 'RATE_LIMITED', jobId: uuid(2) });
  });

  it('the id the route passes on is refused by the runner itself, with the same code', async () => {
    const { runner } = setup();
    await expect(
      runner.submit({ jobId: 'not-a-uuid', tool: 'veste-ai', userId: 'alice', input: {} }),
    ).rejects.toMatchObject({ code: 'VALIDATION', message: 'jobId must be a UUID' });
  });
});
