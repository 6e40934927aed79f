import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileStorage } from '@jobgate/core';
import { isoAt, type OutputFile, webhookToken } from '@jobgate/core/adapter';
import { MemoryFileStorage, SIMULATED_RESULT } from '@jobgate/core/testing';
import {
  invalidInputs,
  SAMPLE_MP4,
  SAMPLE_PNG,
  sampleInput,
  sampleInputs,
} from '@jobgate/example-tools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalFileStorage, localFileStorage } from '../localFileStorage.js';
import { serveNode } from '../node.js';
import { setup, TOKENS, TOOL_IDS, type ToolId, uuid, WEBHOOK_SECRET } from './harness.js';

const RESULT_PNG = new Uint8Array(await (await fetch(SIMULATED_RESULT)).arrayBuffer());

// The local-disk storage, served over node:http as an app mounts it.
let dir: string;
let local: LocalFileStorage;
let server: Awaited<ReturnType<typeof serveNode>>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jobgate-routes-'));
  server = await serveNode((request) => local.serve(request));
  local = localFileStorage({
    dir,
    secret: 'route-files-secret-01',
    baseUrl: `${server.url}/files`,
  });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** Alice's upload for `jobId`, written through the FileStorage port (any storage). */
async function uploadTo(storage: FileStorage, tool: ToolId, jobId: string) {
  const input = sampleInput(tool, { userId: 'alice', jobId }) as Record<string, unknown>;
  for (const value of Object.values(input)) {
    if (typeof value !== 'string' || !value.startsWith(`${tool}/`)) continue;
    const data = tool === 'video-upscaler' ? SAMPLE_MP4 : SAMPLE_PNG;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(data);
        c.close();
      },
    });
    await storage.write(value, body, { contentType: 'application/octet-stream' });
  }
  return input;
}

const storages: Array<[string, () => FileStorage]> = [
  ['in memory (data: URLs)', () => new MemoryFileStorage()],
  ['on the local disk (served over HTTP)', () => local],
];

describe.each(storages)('GET /jobs/:id/files, storage %s', (_, makeStorage) => {
  it("a completed job's stored results come back with signed URLs that fetch the bytes", async () => {
    const storage = makeStorage();
    const { call, store, clock } = setup({}, { storage });
    const input = await uploadTo(storage, 'upscaler', uuid(1));
    expect(
      (await call('POST', '/jobs', { body: { jobId: uuid(1), tool: 'upscaler', input } })).status,
    ).toBe(200);
    const job = (await store.get(uuid(1)))!;
    const hook = await call(
      'POST',
      `/webhooks/simulated/${await webhookToken(WEBHOOK_SECRET, uuid(1))}`,
      {
        token: null,
        body: { taskId: job.taskId, state: 'completed', output: { files: [SIMULATED_RESULT] } },
      },
    );
    expect(hook.status).toBe(200);
    const r = await call('GET', `/jobs/${uuid(1)}/files`);
    expect(r.status).toBe(200);
    const files = r.body?.files as OutputFile[];
    const path = `upscaler/alice/${uuid(1)}/output-1.png`;
    expect(files).toEqual([
      {
        path,
        url: expect.any(String),
        contentType: 'image/png',
        size: RESULT_PNG.byteLength,
        expiresAt: isoAt(clock.now() + 3_600_000),
      },
    ]);
    // The result is in the app's storage (the provider's URL may expire), and the signed URL
    // fetches it with no other credential.
    expect((await storage.read(path)).size).toBe(RESULT_PNG.byteLength);
    const fetched = await fetch(files[0]!.url);
    expect(fetched.status).toBe(200);
    expect(new Uint8Array(await fetched.arrayBuffer())).toEqual(RESULT_PNG);
    expect(r.headers.get('cache-control')).toBe('no-store');
  });
});

describe('GET /jobs/:id/files', () => {
  it("another user's job is NOT_FOUND, exactly like a missing one; the service has no user", async () => {
    const { call, upload } = setup();
    await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool: 'veste-ai', input: upload('veste-ai', uuid(1)) },
    });
    expect((await call('GET', `/jobs/${uuid(1)}/files`)).status).toBe(200);
    const foreign = await call('GET', `/jobs/${uuid(1)}/files`, { token: TOKENS.bob });
    const missing = await call('GET', `/jobs/${uuid(9)}/files`, { token: TOKENS.bob });
    expect(foreign.status).toBe(404);
    expect(foreign.body?.error?.code).toBe('NOT_FOUND');
    expect(foreign.body?.error?.code).toBe(missing.body?.error?.code);
    expect(foreign.body?.error?.message).toBe(missing.body?.error?.message);
    expect(foreign.body?.files).toBeUndefined();
    expect((await call('GET', `/jobs/${uuid(1)}/files`, { token: TOKENS.service })).status).toBe(
      403,
    );
    expect((await call('GET', '/jobs/not-a-uuid/files')).status).toBe(400);
  });

  it('a job without results gives []: running, cancelled, or completed with no files', async () => {
    const { call, store, upload } = setup();
    await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool: 'upscaler', input: upload('upscaler', uuid(1)) },
    });
    expect((await call('GET', `/jobs/${uuid(1)}/files`)).body).toEqual({ files: [] });
    await call('POST', `/jobs/${uuid(1)}/cancel`, { body: { confirm: true } });
    expect((await store.get(uuid(1)))?.status).toBe('cancelled');
    expect((await call('GET', `/jobs/${uuid(1)}/files`)).body).toEqual({ files: [] });
    await call('POST', '/jobs', {
      body: { jobId: uuid(2), tool: 'upscaler', input: upload('upscaler', uuid(2)) },
    });
    const job = (await store.get(uuid(2)))!;
    await call('POST', `/webhooks/simulated/${await webhookToken(WEBHOOK_SECRET, uuid(2))}`, {
      token: null,
      body: { taskId: job.taskId, state: 'completed' },
    });
    expect((await store.get(uuid(2)))?.status).toBe('completed');
    expect((await call('GET', `/jobs/${uuid(2)}/files`)).body).toEqual({ files: [] });
  });
});

describe('POST /quote', () => {
  it('prices from the registry: upscaler standard 60 / pro 80, and each tool its own', async () => {
    const { call, store, storage, provider } = setup();
    const quote = async (tool: string, input: unknown, extra: object = {}) => {
      const r = await call('POST', '/quote', { body: { tool, input, ...extra } });
      expect(r.status, tool).toBe(200);
      return r.body;
    };
    const upscaler = sampleInputs.upscaler;
    expect(await quote('upscaler', { ...upscaler, version: 'standard' })).toEqual({
      tool: 'upscaler',
      credits: 60,
    });
    expect(await quote('upscaler', { ...upscaler, version: 'pro' })).toEqual({
      tool: 'upscaler',
      credits: 80,
    });
    // A price in the request is nobody's business: the registry decides.
    expect(await quote('upscaler', { ...upscaler, version: 'pro' }, { credits: 1 })).toEqual({
      tool: 'upscaler',
      credits: 80,
    });
    expect(await quote('pose-changer', sampleInputs['pose-changer'])).toEqual({
      tool: 'pose-changer',
      credits: 60,
    });
    expect(await quote('veste-ai', sampleInputs['veste-ai'])).toEqual({
      tool: 'veste-ai',
      credits: 60,
    });
    expect(await quote('video-upscaler', sampleInputs['video-upscaler'])).toEqual({
      tool: 'video-upscaler',
      credits: 150,
    });
    // A quote comes before the uploads, and writes nothing.
    expect(store.snapshot()).toEqual([]);
    expect(storage.files.size).toBe(0);
    expect(provider.stats.started).toBe(0);
  });

  it('an invalid input, an unknown tool or a malformed body is VALIDATION, and writes no row', async () => {
    const { call, store } = setup();
    for (const tool of TOOL_IDS) {
      const r = await call('POST', '/quote', { body: { tool, input: invalidInputs[tool] } });
      expect(r.status, tool).toBe(400);
      expect(r.body?.error?.code).toBe('VALIDATION');
    }
    for (const body of [
      { tool: 'nope', input: {} },
      { tool: '', input: {} },
      { input: {} },
      [],
      'quote',
    ]) {
      const r = await call('POST', '/quote', { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body?.error?.code).toBe('VALIDATION');
    }
    expect((await call('POST', '/quote', { raw: '{"tool":' })).status).toBe(400);
    expect(
      (
        await call('POST', '/quote', {
          token: null,
          body: { tool: 'upscaler', input: sampleInputs.upscaler },
        })
      ).status,
    ).toBe(401);
    expect(store.snapshot()).toEqual([]);
  });
});
