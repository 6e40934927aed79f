import { randomUUID } from 'node:crypto';
import type { Job, JobRunner } from '@jobgate/core';
import { webhookToken } from '@jobgate/core/adapter';
import { invalidInputs } from '@jobgate/example-tools';
import { describeWith } from '@jobgate/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { functionsTransport } from '../functionsTransport.js';
import { SupabaseStore } from '../supabaseStore.js';
import { type SupabaseStack, startSupabaseStack, WEBHOOK_SECRET } from './supabaseStack.js';
import type { SupabaseTestDb } from './supabaseTestDb.js';

const TOOL_IDS = ['upscaler', 'pose-changer', 'veste-ai', 'video-upscaler'] as const;

// Submitting through the function: validation, slots and queue, RLS, the rate limit.
// The stack and its parts: supabaseStack.ts.
describeWith(
  'postgres',
  'Supabase stack: supabase-js → function → SupabaseStore → PostgreSQL',
  () => {
    let stack: SupabaseStack | undefined;
    let db: SupabaseTestDb;
    let runner: JobRunner;
    let handler: SupabaseStack['handler'];
    let browser: SupabaseStack['browser'];
    let finishAll: SupabaseStack['finishAll'];
    let request: SupabaseStack['request'];

    beforeAll(async () => {
      stack = await startSupabaseStack();
      ({ db, runner, handler, browser, finishAll, request } = stack);
    });

    afterAll(async () => {
      await stack?.close();
    });

    it.each(TOOL_IDS)(
      '%s: a refused job leaves no row; the 4th waits at position 1 and runs when a slot frees',
      async (tool) => {
        const users = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
        const transports = await Promise.all(
          users.map(async (u) => functionsTransport(await browser(u))),
        );
        const refusedId = randomUUID();
        await expect(
          transports[0]!.submit({ jobId: refusedId, tool, input: invalidInputs[tool] }),
        ).rejects.toMatchObject({ code: 'VALIDATION', jobId: refusedId });
        expect((await db.rows()).find((j) => j.id === refusedId)).toBeUndefined();
        expect(await transports[0]!.active()).toBeNull();
        const jobs: Job[] = [];
        for (const [i, t] of transports.entries()) {
          jobs.push(await t.submit(request(tool, users[i]!)));
        }
        expect(jobs.map((j) => j.status)).toEqual(['running', 'running', 'running', 'queued']);
        expect(jobs[3]).toMatchObject({ waitedInQueue: true, position: 1 });
        const first = (await runner.store.get(jobs[0]!.id))!;
        const hook = await handler(
          new Request(
            `http://function.test/jobgate/webhooks/simulated/${await webhookToken(WEBHOOK_SECRET, first.id)}`,
            {
              method: 'POST',
              body: JSON.stringify({ taskId: first.taskId, state: 'completed' }),
            },
          ),
        );
        expect(hook.status).toBe(200);
        expect((await transports[3]!.get(jobs[3]!.id)).status).toBe('running');
        // Foreign ids: 404 through the function, invisible through RLS.
        await expect(transports[1]!.get(jobs[3]!.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
        await expect(transports[1]!.cancel(jobs[3]!.id, { confirm: true })).rejects.toMatchObject({
          code: 'NOT_FOUND',
        });
        const asUser1 = new SupabaseStore({ client: await browser(users[1]!) });
        expect(await asUser1.get(jobs[3]!.id)).toBeNull();
        expect((await asUser1.get(jobs[1]!.id))?.id).toBe(jobs[1]!.id);
        await finishAll();
      },
    );

    it('rapid clicks: the 6th submit in a minute is 429, no row for it, nothing blocks', async () => {
      const user = randomUUID();
      const transport = functionsTransport(await browser(user));
      for (let i = 0; i < 5; i++) {
        await transport
          .submit({ jobId: randomUUID(), tool: 'upscaler', input: invalidInputs.upscaler })
          .catch(() => undefined);
      }
      const { jobId: id, ...rest } = request('upscaler', user);
      const error = await transport.submit({ jobId: id, ...rest }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'RATE_LIMITED', jobId: id });
      expect((error as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(0);
      expect((await db.rows()).find((j) => j.id === id)).toBeUndefined();
      expect(await transport.active()).toBeNull();
      const [counter] =
        await db.sql`select hits from jobgate_rate_limits where key = ${`submit:${user}`}`;
      expect(counter?.hits).toBe(6);
    });
  },
);
