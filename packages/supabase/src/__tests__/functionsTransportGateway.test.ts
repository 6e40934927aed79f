import { randomUUID } from 'node:crypto';
import { JobGateError } from '@jobgate/core';
import { webhookToken } from '@jobgate/core/adapter';
import { SIMULATED_RESULT } from '@jobgate/core/testing';
import { SAMPLE_PNG, sampleInput, tools } from '@jobgate/example-tools';
import { serveNode } from '@jobgate/server/node';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SUPABASE_DIR } from '../../../../examples/supabase/local/serveFunction.ts';
import { type SupabaseFunction, supabaseFunction } from '../functionSimulated.js';
import { functionsTransport } from '../functionsTransport.js';
import { applyMigrations, type LocalSupabase, startLocalSupabase } from '../local.js';
import { withNodeRealtime } from '../node.js';
import { storageUploader } from '../storageUploader.js';

/**
 * functionsTransport's `quote()` and `files()` as a browser calls them: supabase-js
 * `functions.invoke` → the local stand-in's `/functions/v1` gateway → supabaseFunction (in
 * this process, on the simulation) over the starter's migrations on PGlite, with the job's
 * files in the stand-in's Storage (the default bucket, job-files).
 */
const JWT_SECRET = 'gateway-test-jwt-secret-with-at-least-32-chars';
const WEBHOOK_SECRET = 'gateway-test-webhook-secret-0123';

describe('functionsTransport quote() and files() through the local gateway', () => {
  let local: LocalSupabase;
  let fn: SupabaseFunction;
  let served: Awaited<ReturnType<typeof serveNode>>;

  const signIn = async (email: string): Promise<{ client: SupabaseClient; id: string }> => {
    const client = createClient(local.url, local.anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      ...withNodeRealtime(),
    });
    const { data, error } = await client.auth.signInWithPassword({ email, password: 'any' });
    expect(error).toBeNull();
    return { client, id: data.user!.id };
  };

  beforeAll(async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    globalThis.WebSocket ??= (await import('ws')).WebSocket as unknown as typeof WebSocket;
    local = await startLocalSupabase({ jwtSecret: JWT_SECRET });
    await applyMigrations(local.db, SUPABASE_DIR);
    fn = supabaseFunction({
      tools,
      env: (name) =>
        ({
          SUPABASE_URL: local.url,
          SUPABASE_SERVICE_ROLE_KEY: local.serviceRoleKey,
          JOBGATE_WEBHOOK_SECRET: WEBHOOK_SECRET,
          JOBGATE_JWT_SECRET: JWT_SECRET,
          JOBGATE_PROVIDER: 'simulated',
          JOBGATE_SIMULATED_RUN_MS: '600000',
        })[name],
    });
    served = await serveNode(fn.handler);
    local.setFunction('jobgate', served.url);
  }, 60_000);

  afterAll(async () => {
    fn?.close();
    await served?.close();
    await local?.close();
    vi.restoreAllMocks();
  });

  it('quote(): the price of an input before Run, typed errors for a bad one or no session', async () => {
    const { client } = await signIn('quote@example.com');
    const transport = functionsTransport(client);
    const input = sampleInput('upscaler', { userId: 'anyone', jobId: randomUUID() });
    // The upscaler's price depends on its input (pro costs more).
    expect(await transport.quote('upscaler', input)).toEqual({ tool: 'upscaler', credits: 80 });
    expect(await transport.quote('upscaler', { ...input, version: 'standard' })).toEqual({
      tool: 'upscaler',
      credits: 60,
    });
    const bad = await transport
      .quote('upscaler', { ...input, category: 'nope' })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(JobGateError);
    expect(bad).toMatchObject({ code: 'VALIDATION' });
    await expect(transport.quote('no-such-tool', {})).rejects.toMatchObject({
      code: 'VALIDATION',
    });
    const anon = createClient(local.url, local.anonKey, {
      auth: { persistSession: false },
      ...withNodeRealtime(),
    });
    await expect(functionsTransport(anon).quote('upscaler', input)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });

  it('files(): none while running, the stored result signed once completed, only for its owner', async () => {
    const alice = await signIn('files-alice@example.com');
    await local.db.query(`select jobgate_credits_grant($1, 'monthly', 500)`, [alice.id]);
    const jobId = randomUUID();
    await storageUploader(alice.client, { bucket: 'job-files' }).upload({
      tool: 'upscaler',
      userId: alice.id,
      jobId,
      name: 'image.png',
      data: new Blob([SAMPLE_PNG as Uint8Array<ArrayBuffer>], { type: 'image/png' }),
      contentType: 'image/png',
    });
    const transport = functionsTransport(alice.client);
    const job = await transport.submit({
      jobId,
      tool: 'upscaler',
      input: sampleInput('upscaler', { userId: alice.id, jobId }),
    });
    expect(job.status).toBe('running');
    expect(await transport.files(jobId)).toEqual([]);

    const task = (await fn.runner.store.get(jobId))?.taskId;
    const hook = await fetch(
      `${local.url}/functions/v1/jobgate/webhooks/simulated/${await webhookToken(WEBHOOK_SECRET, jobId)}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          taskId: task,
          state: 'completed',
          output: { files: [SIMULATED_RESULT] },
        }),
      },
    );
    expect(hook.status).toBe(200);
    const files = await transport.files(jobId);
    expect(files).toMatchObject([
      {
        path: `upscaler/${alice.id}/${jobId}/output-1.png`,
        contentType: 'image/png',
        size: SAMPLE_PNG.byteLength,
        expiresAt: expect.any(String),
      },
    ]);
    const download = await fetch(files[0]!.url);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(SAMPLE_PNG);

    const bob = await signIn('files-bob@example.com');
    await expect(functionsTransport(bob.client).files(jobId)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      jobId,
    });
    await expect(transport.files(randomUUID())).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
