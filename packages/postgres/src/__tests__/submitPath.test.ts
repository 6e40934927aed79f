import { PGlite } from '@electric-sql/pglite';
import { defineTool, JobRunner } from '@jobgate/core';
import { FakeClock, SimulatedProvider } from '@jobgate/core/testing';
import { counterRateLimiter, createJobHandler, staticTokenAuthenticator } from '@jobgate/server';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { migrate } from '../migrate.js';
import { pgliteClient } from '../pgliteClient.js';
import { postgresRateCounter } from '../postgresRateCounter.js';
import { PostgresStore } from '../postgresStore.js';
import type { SqlClient } from '../sqlClient.js';

/**
 * What one `POST /jobs` costs the database, end to end through the HTTP handler: the round
 * trips and the SQL functions they call, in order. A restructuring that adds a store read
 * on the hot path (or a second clean-up) shows here.
 */

const upscaler = defineTool({
  id: 'upscaler',
  input: z.object({ scale: z.number() }),
  creditCost: 0,
  maxRunMs: 600_000,
});

/** The SQL functions called through `client`, in order (one entry per round trip). */
function counted(client: SqlClient): { client: SqlClient; calls: string[] } {
  const calls: string[] = [];
  const query: SqlClient['query'] = (text, params) => {
    calls.push(/jobgate_[a-z_]+/.exec(text)?.[0] ?? text.slice(0, 40));
    return client.query(text, params);
  };
  return { client: { ...client, query }, calls };
}

describe('POST /jobs on PostgresStore (PGlite): round trips from the route to the SQL', () => {
  let db: PGlite | undefined;
  afterEach(async () => {
    await db?.close();
  });

  async function stack() {
    db = await PGlite.create();
    const base = pgliteClient(db);
    await migrate(base, { schema: 'public' });
    const { client, calls } = counted(base);
    const clock = new FakeClock(Date.UTC(2026, 1, 1, 12));
    const store = new PostgresStore(client, { durable: false, shared: false, clock: 'caller' });
    const runner = new JobRunner({
      store,
      provider: new SimulatedProvider({ clock, startLatencyMs: [0, 0], durationMs: [9e6, 9e6] }),
      tools: [upscaler],
      policy: { globalCap: 1 },
      clock,
    });
    const handler = createJobHandler({
      runner,
      auth: staticTokenAuthenticator({ 'token-a': 'alice', 'token-b': 'bob' }),
      rateLimiter: counterRateLimiter(postgresRateCounter(client)),
    });
    const submit = async (token: string) => {
      calls.length = 0;
      const response = await handler(
        new Request('https://api.example.test/jobs', {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            jobId: crypto.randomUUID(),
            tool: 'upscaler',
            input: { scale: 2 },
          }),
        }),
      );
      const body = (await response.json()) as { job: { status: string } };
      return { status: response.status, job: body.job, calls: [...calls] };
    };
    return { submit, runner };
  }

  it('a job that takes a free slot: 4 round trips (idempotency read, rate limit, create with the slot decision, the task id)', async () => {
    const { submit, runner } = await stack();
    const first = await submit('token-a');
    expect(first.status).toBe(200);
    expect(first.job.status).toBe('running');
    expect(first.calls).toEqual([
      'jobgate_get',
      'jobgate_rate_limit_hit',
      'jobgate_create',
      'jobgate_attach_task',
    ]);
    runner.close();
  });

  it('a job that queues behind a full pool: 4 round trips (the last a heal of its pool)', async () => {
    const { submit, runner } = await stack();
    await submit('token-a');
    const second = await submit('token-b');
    expect(second.job.status).toBe('queued');
    expect(second.calls).toEqual([
      'jobgate_get',
      'jobgate_rate_limit_hit',
      'jobgate_create',
      'jobgate_heal',
    ]);
    runner.close();
  });
});
