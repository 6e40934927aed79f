import { randomUUID } from 'node:crypto';
import type { Job, JobRunner } from '@jobgate/core';
import { SIMULATED_RESULT } from '@jobgate/core/testing';
import { describeWith } from '@jobgate/testkit';
import { createClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { functionsTransport } from '../functionsTransport.js';
import { withNodeRealtime } from '../node.js';
import { realtimeJobSource } from '../realtimeJobSource.js';
import { SupabaseStore } from '../supabaseStore.js';
import { type SupabaseStack, startSupabaseStack } from './supabaseStack.js';
import { anonKey, serviceKey } from './supabaseTestDb.js';

// Following jobs over Realtime: owners only, queue positions, cross-process notices, refused
// joins. The stack and its parts: supabaseStack.ts.
describeWith(
  'postgres',
  'Supabase stack: supabase-js → function → SupabaseStore → PostgreSQL',
  () => {
    let stack: SupabaseStack | undefined;
    let realtime: SupabaseStack['realtime'];
    let runner: JobRunner;
    let projectFetch: typeof fetch;
    let browser: SupabaseStack['browser'];
    let finishAll: SupabaseStack['finishAll'];
    let request: SupabaseStack['request'];
    let storage: SupabaseStack['storage'];

    beforeAll(async () => {
      stack = await startSupabaseStack();
      ({ realtime, runner, projectFetch, browser, finishAll, request, storage } = stack);
    });

    afterAll(async () => {
      await stack?.close();
    });

    it('Realtime: the owner follows the job to its end; another user hears nothing of it', async () => {
      const alice = randomUUID();
      const bob = randomUUID();
      const aliceClient = await browser(alice);
      const bobClient = await browser(bob);
      const job = await functionsTransport(aliceClient).submit(request('veste-ai', alice));
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
      // The result is copied into the app's storage before the job completes.
      await runner.applyUpdate(job.id, {
        state: 'completed',
        output: { files: [SIMULATED_RESULT] },
      });
      await expect.poll(() => seen.at(-1)?.status, { timeout: 5_000 }).toBe('completed');
      expect(seen.some((j) => j.progress === 0.4)).toBe(true);
      const stored = `veste-ai/${alice}/${job.id}/output-1.png`;
      expect(seen.at(-1)?.output).toMatchObject({ files: [stored] });
      expect(storage.files.has(stored)).toBe(true);
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
        jobs.push(await runner.submit({ ...request('veste-ai', u), userId: u }));
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
      const submitter = randomUUID();
      const { jobId: id, ...rest } = request('veste-ai', submitter);
      await runner.submit({ jobId: id, ...rest, userId: submitter });
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
