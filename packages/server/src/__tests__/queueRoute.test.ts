import { describe, expect, it } from 'vitest';
import { setup, TOKENS, USERS, uuid } from './harness.js';

const tool = 'veste-ai';

/** Five users submit: three run, the fourth and fifth wait (positions 1, 2). */
async function fill({ call, upload }: ReturnType<typeof setup>) {
  for (const [i, user] of USERS.entries()) {
    const answer = await call('POST', '/jobs', {
      token: TOKENS[user],
      body: { jobId: uuid(i + 1), tool, input: upload(tool, uuid(i + 1), user) },
    });
    expect(answer.status).toBe(200);
  }
}

describe('GET /queue', () => {
  it('shows a user only their own jobs, with the pool position and the pool counts', async () => {
    const t = setup();
    const { call } = t;
    await fill(t);
    const erin = await call('GET', '/queue', { token: TOKENS.erin });
    expect(erin.status).toBe(200);
    expect(erin.body).toMatchObject({ pool: 'default', cap: 3, running: 3, queued: 2 });
    expect(erin.body?.scope).toBe('own');
    const jobs = erin.body?.jobs as Array<{ userId: string; position: number; status: string }>;
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ userId: 'erin', status: 'queued', position: 2 });
    const alice = await call('GET', '/queue', { token: TOKENS.alice });
    const own = alice.body?.jobs as Array<{ userId: string }>;
    expect(own.map((j) => j.userId)).toEqual(['alice']);
  });

  it('reads only the user’s own rows for a user’s view, never the pool’s whole queue (#21)', async () => {
    const t = setup();
    await fill(t);
    const reads: Array<{ method: string; userId?: string }> = [];
    for (const method of ['queue', 'list'] as const) {
      const original = t.store[method].bind(t.store);
      (t.store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        reads.push({ method, ...((args[0] as { userId?: string }) ?? {}) });
        return (original as (...a: unknown[]) => unknown)(...args);
      };
    }
    const erin = await t.call('GET', '/queue', { token: TOKENS.erin });
    expect(erin.body?.jobs).toHaveLength(1);
    expect(reads.filter((r) => r.method === 'queue')).toEqual([]);
    expect(reads.every((r) => r.userId === 'erin')).toBe(true);
    reads.length = 0;
    await t.call('GET', '/queue', { token: TOKENS.service });
    expect(reads.map((r) => r.method)).toContain('queue');
  });

  it('shows the service (an operator) the whole queue: running first, then positions 1..n', async () => {
    const t = setup();
    const { call, runner } = t;
    await fill(t);
    await call('POST', `/jobs/${uuid(1)}/cancel`, { token: TOKENS.alice, body: { confirm: true } });
    const all = await call('GET', '/queue', { token: TOKENS.service });
    expect(all.status).toBe(200);
    expect(all.body?.scope).toBe('all');
    const jobs = all.body?.jobs as Array<{ userId: string; status: string; position: number }>;
    // alice's slot went to dave, the queue head; erin moved up to position 1.
    expect(jobs.map((j) => [j.userId, j.status, j.position])).toEqual([
      ['bob', 'running', null],
      ['carol', 'running', null],
      ['dave', 'running', null],
      ['erin', 'queued', 1],
    ]);
    const recent = all.body?.recent as Array<{ userId: string; errorCode: string }>;
    expect(recent.map((j) => [j.userId, j.errorCode])).toEqual([['alice', 'CANCELLED_BY_USER']]);
    expect(await runner.slots()).toMatchObject({ running: 3, queued: 1 });
  });

  it('lets a configured role see the whole queue, refuses anonymous callers, validates the pool', async () => {
    const t = setup({ isOperator: (who) => who.userId === 'carol' });
    const { call } = t;
    await fill(t);
    expect((await call('GET', '/queue', { token: TOKENS.carol })).body?.scope).toBe('all');
    expect((await call('GET', '/queue', { token: TOKENS.bob })).body?.scope).toBe('own');
    // With a custom rule, service credentials are no operator unless the rule says so.
    expect((await call('GET', '/queue', { token: TOKENS.service })).status).toBe(403);
    expect((await call('GET', '/queue', { token: null })).status).toBe(401);
    const bad = await call('GET', '/queue?pool=a%20b', { token: TOKENS.bob });
    expect([bad.status, bad.body?.error?.code]).toEqual([400, 'VALIDATION']);
    const other = await call('GET', '/queue?pool=other', { token: TOKENS.bob });
    expect(other.body).toMatchObject({ pool: 'other', running: 0, queued: 0, jobs: [] });
  });
});
