import { randomUUID } from 'node:crypto';
import { type Job, JobRunner, webhookToken } from '@jobgate/core';
import { SimulatedProvider } from '@jobgate/core/testing';
import { invalidInputs, sampleInputs, tools } from '@jobgate/example-tools';
import { postgresJsClient } from '@jobgate/postgres';
import { counterRateLimiter, createJobHandler } from '@jobgate/server';
import { describeWith } from '@jobgate/testkit';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { functionsTransport } from '../functionsTransport.js';
import { fakeRealtime } from '../local/fakeRealtime.js';
import { withNodeRealtime } from '../node.js';
import { realtimeJobSource } from '../realtimeJobSource.js';
import { supabaseJwtAuthenticator } from '../supabaseJwtAuthenticator.js';
import { supabaseRateCounter } from '../supabaseRateCounter.js';
import { SupabaseStore } from '../supabaseStore.js';
import {
  anonKey,
  createSupabaseTestDb,
  JWT_SECRET,
  type SupabaseTestDb,
  serviceKey,
  userToken,
} from './supabaseTestDb.js';

const WEBHOOK_SECRET = 'stack-webhook-secret-0123456789';
const TOOL_IDS = ['upscaler', 'pose-changer', 'veste-ai', 'video-upscaler'] as const;

/**
 * The whole Supabase shape on real parts: browsers use real supabase-js (functions.invoke,
 * Realtime over a WebSocket, RLS selects), the function runs createJobHandler over a
 * SupabaseStore (service role, rpc), all on PostgreSQL with Supabase's roles.
 */
describeWith(
  'postgres',
  'Supabase stack: supabase-js → function → SupabaseStore → PostgreSQL',
  () => {
    let db: SupabaseTestDb;
    let realtime: Awaited<ReturnType<typeof fakeRealtime>>;
    let runner: JobRunner;
    let handler: (request: Request) => Promise<Response>;
    let projectFetch: typeof fetch;

    const browser = async (userId: string): Promise<SupabaseClient> => {
      const token = await userToken(userId);
      return createClient(realtime.url, await anonKey(), {
        global: { fetch: projectFetch },
        accessToken: async () => token,
        ...withNodeRealtime(),
      });
    };

    beforeAll(async () => {
      db = await createSupabaseTestDb();
      realtime = await fakeRealtime({
        client: postgresJsClient(db.sql),
        jwtSecret: JWT_SECRET,
        channel: 'jobgate_jobs',
        table: 'jobgate_jobs',
      });
      const serviceClient = await db.client(await serviceKey());
      const store = new SupabaseStore({ client: serviceClient });
      runner = new JobRunner({
        store,
        provider: new SimulatedProvider({ startLatencyMs: [0, 0], durationMs: [9e6, 9e6] }),
        tools,
        webhook: { baseUrl: 'http://function.test/jobgate', secret: WEBHOOK_SECRET },
        random: () => 0.5,
      });
      handler = createJobHandler({
        runner,
        auth: supabaseJwtAuthenticator({ jwtSecret: JWT_SECRET }),
        // The per-user limit kept in the database, reached through supabase-js (.rpc).
        rateLimiter: counterRateLimiter(supabaseRateCounter(serviceClient)),
        basePath: '/jobgate',
      });
      projectFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
        const request = new Request(input, init);
        const url = new URL(request.url);
        if (url.pathname.startsWith('/functions/v1/')) {
          url.pathname = url.pathname.slice('/functions/v1'.length);
          return handler(new Request(url, request));
        }
        return db.fetch(request);
      }) as typeof fetch;
    });

    afterAll(async () => {
      runner?.close();
      await realtime?.close();
      await db?.drop();
    });

    const finishAll = async () => {
      for (const job of await runner.store.list({ status: ['starting', 'queued', 'running'] })) {
        await runner.cancel({ jobId: job.id, userId: job.userId, confirm: true });
      }
    };

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
        for (const t of transports) {
          jobs.push(await t.submit({ jobId: randomUUID(), tool, input: sampleInputs[tool] }));
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
      const id = randomUUID();
      const error = await transport
        .submit({ jobId: id, tool: 'upscaler', input: sampleInputs.upscaler })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'RATE_LIMITED', jobId: id });
      expect((error as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(0);
      expect((await db.rows()).find((j) => j.id === id)).toBeUndefined();
      expect(await transport.active()).toBeNull();
      const [counter] =
        await db.sql`select hits from jobgate_rate_limits where key = ${`submit:${user}`}`;
      expect(counter?.hits).toBe(6);
    });

    it('Realtime: the owner follows the job to its end; another user hears nothing of it', async () => {
      const alice = randomUUID();
      const bob = randomUUID();
      const aliceClient = await browser(alice);
      const bobClient = await browser(bob);
      const job = await functionsTransport(aliceClient).submit({
        jobId: randomUUID(),
        tool: 'veste-ai',
        input: sampleInputs['veste-ai'],
      });
      // Both joins carry the users' own tokens: what bob misses, RLS withholds.
      await aliceClient.realtime.setAuth();
      await bobClient.realtime.setAuth();
      const seen: Job[] = [];
      const bobSeen: Job[] = [];
      const errors: unknown[] = [];
      const subscribed = () => realtime.subscribers() >= 2;
      realtimeJobSource(aliceClient).subscribe(
        job.id,
        (j) => seen.push(j),
        (e) => errors.push(e),
      );
      realtimeJobSource(bobClient).subscribe(
        job.id,
        (j) => bobSeen.push(j),
        (e) => errors.push(e),
      );
      await expect.poll(subscribed, { timeout: 5_000 }).toBe(true);
      await runner.applyUpdate(job.id, { state: 'running', progress: 0.4 });
      // The test Realtime server reads the row when it hears of a change: let it see this one
      // before the next change overwrites it (real Realtime sends each WAL change).
      await expect.poll(() => seen.some((j) => j.progress === 0.4), { timeout: 5_000 }).toBe(true);
      await runner.applyUpdate(job.id, { state: 'completed', output: { files: ['out.png'] } });
      await expect.poll(() => seen.at(-1)?.status, { timeout: 5_000 }).toBe('completed');
      expect(seen.some((j) => j.progress === 0.4)).toBe(true);
      expect(seen.at(-1)?.output).toEqual({ files: ['out.png'] });
      // The owner's channel closes after the terminal state.
      await expect.poll(() => realtime.subscribers(), { timeout: 5_000 }).toBe(1);
      expect(bobSeen).toEqual([]);
      expect(realtime.deliveries.filter((d) => d.id === job.id).length).toBe(seen.length);
      expect(errors).toEqual([]);
      aliceClient.realtime.disconnect();
      bobClient.realtime.disconnect();
    });

    it('Realtime: a queued browser follows its position (view + one queue notice per promotion), then runs', async () => {
      await finishAll();
      const users = Array.from({ length: 5 }, () => randomUUID());
      const jobs: Job[] = [];
      for (const u of users) {
        jobs.push(
          await runner.submit({
            jobId: randomUUID(),
            tool: 'veste-ai',
            userId: u,
            input: sampleInputs['veste-ai'],
          }),
        );
      }
      expect(jobs.map((j) => j.status)).toEqual([
        'running',
        'running',
        'running',
        'queued',
        'queued',
      ]);
      const mine = jobs[4]!;
      const client = await browser(users[4]!);
      await client.realtime.setAuth();
      // Read through the view under the user's own RLS: the position is computed when read.
      const { data } = await client
        .from('jobgate_jobs_view')
        .select('id,position')
        .eq('id', mine.id);
      expect(data).toEqual([{ id: mine.id, position: 2 }]);
      const seen: Job[] = [];
      const errors: unknown[] = [];
      const before = realtime.subscribers();
      const stop = realtimeJobSource(client).subscribe(
        mine.id,
        (j) => seen.push(j),
        (e) => errors.push(e),
      );
      await expect.poll(() => realtime.subscribers(), { timeout: 5_000 }).toBe(before + 1);
      const moves = () => realtime.deliveries.filter((d) => d.id === 'queue:default').length;
      // The first running job ends: the head is promoted, ours moves to 1 without its row changing.
      await runner.cancel({ jobId: jobs[0]!.id, userId: users[0]!, confirm: true });
      await expect.poll(() => seen.at(-1)?.position, { timeout: 5_000 }).toBe(1);
      expect(moves()).toBe(1);
      await runner.cancel({ jobId: jobs[1]!.id, userId: users[1]!, confirm: true });
      await expect.poll(() => seen.at(-1)?.status, { timeout: 5_000 }).toBe('running');
      expect(seen.at(-1)?.position).toBeNull();
      // One queue notice per promotion, not one per waiting job. (The job's own change and the
      // pool's notice are two notifications: the notice may land just after the status.)
      await expect.poll(moves, { timeout: 5_000 }).toBe(2);
      expect(errors).toEqual([]);
      stop();
      client.realtime.disconnect();
      await finishAll();
    });

    it('SupabaseStore({ realtime: true }) hears changes made by another process', async () => {
      const token = await serviceKey();
      const client = createClient(realtime.url, await anonKey(), {
        global: { fetch: projectFetch },
        accessToken: async () => token,
        ...withNodeRealtime(),
      });
      await client.realtime.setAuth();
      const listening = new SupabaseStore({ client, realtime: true });
      expect(listening.capabilities.crossProcessEvents).toBe(true);
      const notices: string[] = [];
      const before = realtime.subscribers();
      const stop = listening.subscribe((c) => notices.push(`${c.id}:${c.status}`));
      await expect.poll(() => realtime.subscribers(), { timeout: 5_000 }).toBeGreaterThan(before);
      // "Another process": the runner's own store instance.
      const id = randomUUID();
      await runner.submit({
        jobId: id,
        tool: 'veste-ai',
        userId: randomUUID(),
        input: sampleInputs['veste-ai'],
      });
      await expect.poll(() => notices.includes(`${id}:running`), { timeout: 5_000 }).toBe(true);
      stop();
      await listening.close();
      client.realtime.disconnect();
      await finishAll();
    });

    it('Realtime: a refused join reaches onError (the client then polls)', async () => {
      const client = createClient(realtime.url, await anonKey(), {
        global: { fetch: projectFetch },
        accessToken: async () => 'not-a-jwt',
        ...withNodeRealtime(),
      });
      // The token is resolved before the join, so the join carries it (and is refused).
      await client.realtime.setAuth();
      const errors: unknown[] = [];
      const stop = realtimeJobSource(client).subscribe(
        randomUUID(),
        () => undefined,
        (e) => errors.push(e),
      );
      await expect.poll(() => errors.length, { timeout: 5_000 }).toBeGreaterThan(0);
      stop();
      client.realtime.disconnect();
    });
  },
);
