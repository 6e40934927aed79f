import { type JobStore, MemoryStore } from '@jobgate/core';
import { describe, expect, it } from 'vitest';
import { setup, TOKENS, uuid } from './harness.js';

/** Reads a stream until it ends; resolves true when it ended (closed by the server). */
async function endsWithin(response: Response, ms: number): Promise<boolean> {
  const reader = response.body!.getReader();
  const timer = new Promise<false>((resolve) => setTimeout(() => resolve(false), ms));
  const drained = (async () => {
    for (;;) if ((await reader.read()).done) return true;
  })();
  const ended = await Promise.race([drained, timer]);
  if (!ended) void reader.cancel();
  return ended;
}

describe('bounded by the handler (#21)', () => {
  it('keeps at most the cap of one user’s event streams open: 100 opened, the oldest closed', async () => {
    const { call, handler, upload } = setup({
      events: { pingMs: 60_000, maxPerUser: 3, maxPerJob: 3 },
      rateLimiter: null,
    });
    await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool: 'veste-ai', input: upload('veste-ai', uuid(1)) },
    });
    const open = () =>
      handler(
        new Request(`https://api.example.test/jobs/${uuid(1)}/events`, {
          headers: { authorization: `Bearer ${TOKENS.alice}` },
        }),
      );
    const streams: Response[] = [];
    for (let i = 0; i < 100; i++) streams.push(await open());
    expect(streams.every((s) => s.status === 200)).toBe(true);
    const ended = await Promise.all(streams.map((s) => endsWithin(s, 500)));
    // The 97 oldest were closed (their clients reconnect); the 3 newest stay open.
    expect(ended.slice(0, 97).every(Boolean)).toBe(true);
    expect(ended.slice(97)).toEqual([false, false, false]);
  });

  it('closes two streams of one job past its cap, and any stream after its lifetime', async () => {
    const { call, handler, upload } = setup({
      events: { pingMs: 60_000, maxPerJob: 2, maxLifetimeMs: 300 },
      rateLimiter: null,
    });
    await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool: 'veste-ai', input: upload('veste-ai', uuid(1)) },
    });
    const open = () =>
      handler(
        new Request(`https://api.example.test/jobs/${uuid(1)}/events`, {
          headers: { authorization: `Bearer ${TOKENS.alice}` },
        }),
      );
    const [a, b, c] = [await open(), await open(), await open()];
    expect(await endsWithin(a, 200)).toBe(true);
    // The lifetime ends the others without a terminal state: the client reconnects.
    expect(await Promise.all([endsWithin(b!, 2_000), endsWithin(c!, 2_000)])).toEqual([true, true]);
  });

  it('limits requests by default (one process’s counts), and null switches it off', async () => {
    const limited = setup({
      rateLimits: { read: { limit: 3, windowMs: 60_000 } },
      rateLimiter: undefined,
    });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await limited.call('GET', '/slots')).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const open = setup({ rateLimits: { read: { limit: 3, windowMs: 60_000 } }, rateLimiter: null });
    for (let i = 0; i < 5; i++) expect((await open.call('GET', '/slots')).status).toBe(200);
  });

  it('answers every read route within one deadline when the database does not answer', async () => {
    // A store whose every call hangs: an unreachable database. Each call gives up after 1 s;
    // a route making two in a row (heal, then the read) would take 2 s without the deadline.
    const hanging = new Proxy(new MemoryStore(), {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (typeof value !== 'function' || key === 'subscribe' || key === 'close') return value;
        return () => new Promise(() => {});
      },
    }) as JobStore;
    const { call } = setup(
      { readDeadlineMs: 400 },
      { store: hanging, timeouts: { storeCallMs: 1_000 } },
    );
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/jobs/active'],
      ['GET', `/jobs/${uuid(1)}`],
      ['GET', `/jobs/${uuid(1)}/files`],
      ['GET', '/slots'],
      ['GET', '/queue'],
      ['POST', '/quote', { tool: 'veste-ai', input: { person: 'x', clothing: 'y' } }],
      ['POST', '/jobs', { jobId: uuid(2), tool: 'veste-ai', input: {} }],
      ['POST', `/jobs/${uuid(1)}/cancel`, {}],
    ];
    for (const [method, path, body] of routes) {
      const started = Date.now();
      const answer = await call(method, path, body === undefined ? {} : { body });
      const ms = Date.now() - started;
      // A quote reads nothing of the store: it answers at once.
      if (path === '/quote') expect(answer.status).toBe(200);
      else
        expect([path, answer.status, answer.body?.error?.code]).toEqual([
          path,
          503,
          'STORE_UNAVAILABLE',
        ]);
      expect(ms, `${method} ${path}`).toBeLessThan(1_500);
    }
  });
});
