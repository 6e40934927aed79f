import { randomUUID } from 'node:crypto';
import { JobClient } from '@jobgate/core/client';
import { SAMPLE_FILE_NAMES, SAMPLE_PNG, sampleInput } from '@jobgate/example-tools';
import { type RunningHubSimulator, startRunningHubSimulator } from '@jobgate/runninghub/simulator';
import { describeWith } from '@jobgate/testkit';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkFunction,
  type ServedFunction,
  SUPABASE_DIR,
  serveFunction,
} from '../../../../examples/supabase/local/serveFunction.ts';
import { functionsTransport } from '../functionsTransport.js';
import { applyMigrations, devUserId, type LocalSupabase } from '../local.js';
import { withNodeRealtime } from '../node.js';
import { storageUploader } from '../storageUploader.js';
import { STARTER_BUCKET, starterProject } from './starterProject.js';

/**
 * The starter end to end as `npm run dev` runs it: its migrations and seed, the local
 * Supabase stand-in (Auth sign-in, PostgREST, Storage), the function in Deno on the
 * simulated RunningHub server, which calls back through the gateway with no Authorization
 * header (what `verify_jwt = false` is for). The browser side is real supabase-js.
 */
const JWT_SECRET = 'starter-test-jwt-secret-with-at-least-32-characters';

describeWith('postgres', 'the Supabase starter with the simulated RunningHub', () => {
  let project: Awaited<ReturnType<typeof starterProject>> | undefined;
  let local: LocalSupabase;
  let sim: RunningHubSimulator;
  let fn: ServedFunction;

  /** A browser's client, signed in through the project's Auth (password grant). */
  const signIn = async (email: string): Promise<SupabaseClient> => {
    const client = createClient(local.url, local.anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      ...withNodeRealtime(),
    });
    const { error } = await client.auth.signInWithPassword({ email, password: 'any' });
    expect(error).toBeNull();
    return client;
  };

  beforeAll(async () => {
    project = await starterProject({ name: 'jobgate_starter_rh', jwtSecret: JWT_SECRET });
    local = project.local;
    sim = await startRunningHubSimulator({
      apiKeys: ['starter-key'],
      durationMs: [300, 300],
      concurrency: 3,
    });
    fn = await serveFunction('jobgate', {
      SUPABASE_URL: local.url,
      SUPABASE_SERVICE_ROLE_KEY: local.serviceRoleKey,
      JOBGATE_JWT_SECRET: JWT_SECRET,
      JOBGATE_WEBHOOK_SECRET: 'starter-webhook-secret-0123456789',
      RUNNINGHUB_API_KEY: 'starter-key',
      RUNNINGHUB_BASE_URL: sim.url,
      JOBGATE_STORAGE_BUCKET: STARTER_BUCKET,
    });
    local.setFunction('jobgate', fn.url);
    // Billing is on (the default): the demo users get credits in jobgate's ledger.
    for (const email of ['alice@example.com', 'bob@example.com']) {
      await local.db.query(`select jobgate_credits_grant($1, 'monthly', 1000)`, [
        await devUserId(email),
      ]);
    }
  }, 120_000);

  afterAll(async () => {
    await fn?.stop();
    await sim?.close();
    await project?.drop();
  });

  it('the migrations and seed apply again over themselves (an upgrade re-applies the jobgate file)', async () => {
    // The seed grants once: applied again, it adds no ledger entry.
    const count = 'select count(*)::int as n from jobgate_credit_ledger';
    const before = await local.db.query(count);
    expect(await applyMigrations(local.db, SUPABASE_DIR, { seed: true })).toHaveLength(3);
    expect(await local.db.query(count)).toEqual(before);
  });

  it('the seed gives the demo users credits in jobgate’s ledger; each reads only their own rows (RLS)', async () => {
    const alice = await signIn('alice@example.com');
    const { data: user } = await alice.auth.getUser();
    expect(user.user?.id).toBe(await devUserId('alice@example.com'));
    const { data, error } = await alice
      .from('jobgate_credit_ledger')
      .select('user_id,kind,amount,note')
      .eq('note', 'seed: demo credits');
    expect(error).toBeNull();
    expect(data?.map((row) => ({ ...row, amount: Number(row.amount) }))).toEqual([
      { user_id: user.user?.id, kind: 'grant', amount: 500, note: 'seed: demo credits' },
    ]);
    const balances = await alice.from('jobgate_credit_balances').select('user_id,bucket,amount');
    expect(balances.data?.map((row) => [row.user_id, row.bucket, Number(row.amount)])).toEqual(
      expect.arrayContaining([[user.user?.id, 'lifetime', 500]]),
    );
    expect(balances.data?.every((row) => row.user_id === user.user?.id)).toBe(true);
    const stranger = createClient(local.url, local.anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      ...withNodeRealtime(),
    });
    const signedUp = await stranger.auth.signUp({
      email: `${randomUUID()}@example.com`,
      password: 'any',
    });
    expect(signedUp.data.session?.access_token).toEqual(expect.any(String));
    // No auth.users on this database (the local stand-in's), so no sign-up grant either.
    expect((await stranger.from('jobgate_credit_balances').select('amount')).data).toEqual([]);
    expect((await stranger.from('jobgate_credit_ledger').select('id')).data).toEqual([]);
  });

  it('a job runs on RunningHub and ends by its callback, through the gateway, with no user JWT', async () => {
    const alice = await signIn('alice@example.com');
    const aliceId = (await alice.auth.getUser()).data.user!.id;
    const transport = functionsTransport(alice);
    const jobId = randomUUID();
    // The browser uploads the two images for this job, then submits their paths.
    const uploader = storageUploader(alice, { bucket: STARTER_BUCKET });
    for (const name of Object.values(SAMPLE_FILE_NAMES['veste-ai'])) {
      await uploader.upload({
        tool: 'veste-ai',
        userId: aliceId,
        jobId,
        name,
        data: new Blob([SAMPLE_PNG as Uint8Array<ArrayBuffer>], { type: 'image/png' }),
        contentType: 'image/png',
      });
    }
    const input = sampleInput('veste-ai', { userId: aliceId, jobId });
    // The price before Run, through the gateway (POST /quote).
    expect(await transport.quote('veste-ai', input)).toEqual({ tool: 'veste-ai', credits: 60 });
    const job = await transport.submit({ jobId, tool: 'veste-ai', input });
    expect(job).toMatchObject({ status: 'running' });
    await expect
      .poll(async () => (await transport.get(job.id)).status, { timeout: 10_000 })
      .toBe('completed');
    // The job completes inside the callback's request: its answer is logged once it is back.
    await sim.settled();
    const callbacks = sim.deliveries.filter((d) => d.url.includes('/functions/v1/jobgate/'));
    expect(callbacks.map((d) => d.status)).toContain(200);
    // RunningHub got the stored bytes of both inputs, read from Storage by the function.
    const sent = [...sim.uploads.values()].map((u) => [u.name, u.contentType, u.size]);
    expect(sent.sort()).toEqual([
      ['clothing.png', 'image/png', SAMPLE_PNG.byteLength],
      ['person.png', 'image/png', SAMPLE_PNG.byteLength],
    ]);
    // The result was copied into the bucket; GET /jobs/:id/files signs it for the owner.
    const files = await transport.files(job.id);
    expect(files).toMatchObject([
      { path: `veste-ai/${aliceId}/${jobId}/output-1.png`, contentType: 'image/png' },
    ]);
    const result = await fetch(files[0]!.url);
    expect(result.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await result.arrayBuffer())).toEqual(SAMPLE_PNG);
    // The completed job is readable under RLS by its owner only, and so are its files.
    expect((await alice.from('jobgate_jobs').select('id,status').eq('id', job.id)).data).toEqual([
      { id: job.id, status: 'completed' },
    ]);
    const bob = await signIn('bob@example.com');
    expect((await bob.from('jobgate_jobs').select('id').eq('id', job.id)).data).toEqual([]);
    await expect(functionsTransport(bob).files(job.id)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('inputs go to Storage under {tool}/{user}/{job}/, never into another user’s folder', async () => {
    const alice = await signIn('alice@example.com');
    const aliceId = (await alice.auth.getUser()).data.user!.id;
    const bobId = await devUserId('bob@example.com');
    const uploader = storageUploader(alice, { bucket: STARTER_BUCKET });
    const jobId = randomUUID();
    const file = new Blob([new Uint8Array([1, 2, 3])], { type: 'image/webp' });
    const own = await uploader.upload({
      tool: 'upscaler',
      userId: aliceId,
      jobId,
      name: 'photo.webp',
      data: file,
      contentType: 'image/webp',
    });
    expect(own.path).toBe(`upscaler/${aliceId}/${jobId}/photo.webp`);
    const signed = await fetch(own.url!);
    expect(new Uint8Array(await signed.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    await expect(
      uploader.upload({
        tool: 'upscaler',
        userId: bobId,
        jobId,
        name: 'photo.webp',
        data: file,
        contentType: 'image/webp',
      }),
    ).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
    expect(local.storageKeys()).toContain(
      `${STARTER_BUCKET}/upscaler/${aliceId}/${jobId}/photo.webp`,
    );
    expect(local.storageKeys().filter((key) => key.includes(bobId))).toEqual([]);
  });

  it('JobClient in a browser: upload, submit, follow to the end', async () => {
    const alice = await signIn('alice@example.com');
    const aliceId = (await alice.auth.getUser()).data.user!.id;
    const client = new JobClient({
      transport: functionsTransport(alice),
      uploader: storageUploader(alice, { bucket: STARTER_BUCKET }),
      userId: aliceId,
      poll: { intervalMs: 100 },
    });
    const job = await client.run(
      'pose-changer',
      {},
      {
        person: new Blob([SAMPLE_PNG as Uint8Array<ArrayBuffer>], { type: 'image/png' }),
        reference: new Blob([SAMPLE_PNG as Uint8Array<ArrayBuffer>], { type: 'image/png' }),
      },
    );
    expect(job.status).toBe('completed');
    client.dispose();
  });
});

describe('the starter function type-checks in Deno', () => {
  it('deno check passes offline, with the same import map it is served with', async () => {
    expect(await checkFunction('jobgate')).toMatch(/Check index\.ts/);
  }, 120_000);
});
