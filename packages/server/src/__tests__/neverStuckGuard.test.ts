import { type Job, type JobStore, MemoryStore } from '@jobgate/core';
import { sampleInput } from '@jobgate/example-tools';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../consoleLogger.js';
import { setup, uuid } from './harness.js';

/** Alice's submit of job n; its files are uploaded by `upload(...)` where the job should run. */
const body = (n: number) => ({
  jobId: uuid(n),
  tool: 'veste-ai',
  input: sampleInput('veste-ai', { userId: 'alice', jobId: uuid(n) }),
});
const AT_LIMIT = { rateLimits: { submit: { limit: 1, windowMs: 60_000 } } };

/** A store whose listed methods never answer (the database went away). */
function hanging(methods: readonly string[]): JobStore {
  const store = new MemoryStore();
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (methods.includes(String(prop))) return () => new Promise(() => undefined);
      return value.bind(target);
    },
  });
}

describe('rate limit × idempotency: a refused duplicate never touches the original (#3)', () => {
  for (const slowCharge of [false, true]) {
    it(`100 concurrent double clicks at the limit${slowCharge ? ', with a slow billing.charge' : ''}: the job runs every time`, async () => {
      for (let trial = 0; trial < 100; trial++) {
        const charges: string[] = [];
        const billing = {
          charge: async (job: Job) => {
            // A ledger that takes its time: the duplicate arrives while the original charges.
            if (slowCharge) await new Promise((r) => setTimeout(r, 1 + (trial % 3)));
            charges.push(job.id);
          },
          refund: async () => undefined,
        };
        const { call, store, provider, upload } = setup(AT_LIMIT, { billing });
        upload('veste-ai', uuid(1));
        const answers = await Promise.all([
          call('POST', '/jobs', { body: body(1) }),
          call('POST', '/jobs', { body: body(1) }),
        ]);
        const statuses = answers.map((a) => a.status).sort();
        // The second click is an idempotent replay (200, the job as it is) or refused by the
        // limit (429); a refusal never ends or changes the job, no answer is "200 failed".
        expect([
          [200, 200],
          [200, 429],
        ]).toContainEqual(statuses);
        for (const a of answers) {
          if (a.status === 200) expect(a.body?.job?.status, `trial ${trial}`).not.toBe('failed');
        }
        expect((await store.get(uuid(1)))?.status, `trial ${trial}`).toBe('running');
        expect(provider.stats.started).toBe(1);
        expect(charges).toEqual([uuid(1)]);
        expect(store.snapshot()).toHaveLength(1);
      }
    });
  }

  it('the duplicate arrives while the original is charging: refused or replayed, the original runs', async () => {
    let release!: () => void;
    let charging!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const inCharge = new Promise<void>((r) => (charging = r));
    const billing = {
      charge: async () => {
        charging();
        await gate;
      },
      refund: async () => undefined,
    };
    const { call, store, upload } = setup(AT_LIMIT, { billing });
    upload('veste-ai', uuid(1));
    const original = call('POST', '/jobs', { body: body(1) });
    await inCharge;
    const duplicate = await call('POST', '/jobs', { body: body(1) });
    expect(duplicate.status).toBe(200);
    expect(duplicate.body?.job).toMatchObject({ id: uuid(1), status: 'starting' });
    expect((await store.get(uuid(1)))?.status).toBe('starting');
    release();
    const answer = await original;
    expect(answer.status).toBe(200);
    expect(answer.body?.job).toMatchObject({ id: uuid(1), status: 'running' });
  });

  it('a retry of a job that exists is answered with it, before and whatever the rate limit', async () => {
    const { call, upload } = setup(AT_LIMIT);
    upload('veste-ai', uuid(1));
    upload('veste-ai', uuid(2));
    const first = await call('POST', '/jobs', { body: body(1) });
    expect(first.status).toBe(200);
    for (let i = 0; i < 10; i++) {
      const again = await call('POST', '/jobs', { body: body(1) });
      expect(again.status).toBe(200);
      expect(again.body?.job).toMatchObject({ id: uuid(1), status: 'running' });
    }
    // A new job is still limited.
    expect((await call('POST', '/jobs', { body: body(2) })).status).toBe(429);
  });
});

describe('refused requests do not grow the table (#4)', () => {
  it('60 submits from one user: 1 run, the rest refused, 1 row', async () => {
    const { call, store, upload } = setup();
    const codes: Record<string, number> = {};
    for (let n = 1; n <= 60; n++) {
      upload('veste-ai', uuid(n));
      const r = await call('POST', '/jobs', { body: body(n) });
      const code = r.status === 200 ? 'ok' : (r.body?.error?.code ?? String(r.status));
      codes[code] = (codes[code] ?? 0) + 1;
    }
    expect(codes.ok).toBe(1);
    expect((codes.RATE_LIMITED ?? 0) + (codes.ACTIVE_JOB_EXISTS ?? 0)).toBe(59);
    expect(store.snapshot()).toHaveLength(1);
  });
});

describe('the database unreachable (#5) and raw errors (#6)', () => {
  it('answers 503 STORE_UNAVAILABLE with Retry-After within the store deadline, not a hang', async () => {
    const entries: Array<[string, Record<string, unknown>]> = [];
    const logger: Logger = { error: (message, fields) => entries.push([message, fields]) };
    const { call, upload } = setup(
      { logger },
      { store: hanging(['get', 'create', 'heal', 'findActive']), timeouts: { storeCallMs: 50 } },
    );
    upload('veste-ai', uuid(1));
    const started = Date.now();
    for (const [method, path, b] of [
      ['POST', '/jobs', body(1)],
      ['GET', '/jobs/active', undefined],
      ['GET', `/jobs/${uuid(1)}`, undefined],
    ] as const) {
      const r = await call(method, path, b === undefined ? {} : { body: b });
      expect(r.status, path).toBe(503);
      expect(r.body?.error?.code).toBe('STORE_UNAVAILABLE');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(entries).toHaveLength(3);
  });

  it('never shows a raw database error: a code, a plain message and a request id; the details go to the log', async () => {
    const entries: Array<[string, Record<string, unknown>]> = [];
    const logger: Logger = { error: (message, fields) => entries.push([message, fields]) };
    const store = new MemoryStore();
    const { call } = setup({ logger }, { store });
    store.get = async () => {
      throw Object.assign(new Error('relation "jobgate_jobs" does not exist'), { code: '42P01' });
    };
    store.findActive = async () => {
      throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    };
    const r1 = await call('GET', `/jobs/${uuid(1)}`);
    const r2 = await call('GET', '/jobs/active');
    for (const r of [r1, r2]) {
      expect(r.status).toBeGreaterThanOrEqual(500);
      const text = JSON.stringify(r.body);
      expect(text).not.toMatch(/relation|ECONNRESET|jobgate_jobs/);
      expect(r.body?.error).toMatchObject({
        code: expect.any(String),
        message: expect.any(String),
        requestId: r.headers.get('x-request-id'),
      });
    }
    expect(entries.map(([, f]) => f.requestId)).toEqual([
      r1.headers.get('x-request-id'),
      r2.headers.get('x-request-id'),
    ]);
    expect(entries[0]?.[1].message).toBe('relation "jobgate_jobs" does not exist');
    expect(entries[1]?.[1].message).toBe('read ECONNRESET');
  });
});
