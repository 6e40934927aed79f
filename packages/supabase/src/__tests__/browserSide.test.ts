import { type Job, JobRunner, MemoryStore } from '@jobgate/core';
import { FakeClock, MemoryFileStorage, SimulatedProvider } from '@jobgate/core/testing';
import { tools, uploadSampleInput } from '@jobgate/example-tools';
import { createJobHandler, staticTokenAuthenticator } from '@jobgate/server';
import { createClient } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { functionsTransport } from '../functionsTransport.js';
import { withNodeRealtime } from '../node.js';
import { storageUploader } from '../storageUploader.js';

const URL_BASE = 'http://project.supabase.test';
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** A Supabase project in a fetch function: /functions/v1/<name>/… goes to the handler. */
function project() {
  const clock = new FakeClock(Date.UTC(2026, 1, 1));
  const store = new MemoryStore();
  const provider = new SimulatedProvider({ clock, startLatencyMs: [0, 0], durationMs: [9e6, 9e6] });
  const storage = new MemoryFileStorage();
  const runner = new JobRunner({ store, provider, tools, storage, clock, random: () => 0.5 });
  const handler = createJobHandler({
    runner,
    auth: staticTokenAuthenticator({ 'alice-token': 'alice', 'bob-token': 'bob' }),
    basePath: '/jobgate',
  });
  let gateway: 'ok' | 'html502' | 'html504' | 'relay' | 'down' = 'ok';
  const fetch: typeof globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (init?.signal?.aborted) throw new DOMException('This operation was aborted', 'AbortError');
    if (gateway === 'down') throw new TypeError('fetch failed');
    if (gateway === 'html502' || gateway === 'html504') {
      const status = gateway === 'html502' ? 502 : 504;
      return new Response(`<html><body><h1>${status} Bad Gateway</h1></body></html>`, {
        status,
        headers: { 'content-type': 'text/html' },
      });
    }
    if (gateway === 'relay') {
      return new Response('relay', { status: 502, headers: { 'x-relay-error': 'true' } });
    }
    // The edge runtime hands the function its path without /functions/v1.
    url.pathname = url.pathname.replace(/^\/functions\/v1/, '');
    return handler(new Request(url, request));
  }) as typeof fetch;
  const client = (token: string) =>
    createClient(URL_BASE, 'anon-key', {
      global: { fetch, headers: { Authorization: `Bearer ${token}` } },
      auth: { persistSession: false, autoRefreshToken: false },
      ...withNodeRealtime(),
    });
  return {
    store,
    client,
    /** A Veste AI input of a user's job, its two images uploaded first (as a browser does). */
    vesteAi: (userId: string, jobId: string) =>
      uploadSampleInput(storage, 'veste-ai', { userId, jobId }),
    setGateway: (g: typeof gateway) => {
      gateway = g;
    },
  };
}

describe('functionsTransport over supabase.functions.invoke', () => {
  it('runs the routes: active, submit, get, cancel', async () => {
    const p = project();
    const alice = functionsTransport(p.client('alice-token'));
    expect(await alice.active()).toBeNull();
    const job = await alice.submit({
      jobId: uuid(1),
      tool: 'veste-ai',
      input: p.vesteAi('alice', uuid(1)),
    });
    expect(job).toMatchObject({ id: uuid(1), status: 'running', userId: 'alice' });
    expect((await alice.active())?.id).toBe(uuid(1));
    expect((await alice.get(uuid(1))).status).toBe('running');
    const cancelled = await alice.cancel(uuid(1), { confirm: true });
    expect(cancelled.status).toBe('cancelled');
  });

  it('has the pool routes and cancel-session too (useSlots and useQueue work on Supabase)', async () => {
    const p = project();
    const alice = functionsTransport(p.client('alice-token'));
    const bob = functionsTransport(p.client('bob-token'));
    await alice.submit({ jobId: uuid(2), tool: 'veste-ai', input: p.vesteAi('alice', uuid(2)) });
    expect(await bob.slots()).toMatchObject({ pool: 'default', cap: 3, running: 1, queued: 0 });
    const own = await bob.queue();
    expect(own).toMatchObject({ scope: 'own', running: 1, jobs: [] });
    expect((await alice.queue()).jobs.map((j) => j.id)).toEqual([uuid(2)]);
    expect(await bob.cancelSession()).toEqual([]);
  });

  it('turns a JSON error answer into the typed error it carries', async () => {
    const p = project();
    const alice = functionsTransport(p.client('alice-token'));
    const bob = functionsTransport(p.client('bob-token'));
    const invalid = await alice
      .submit({ jobId: uuid(2), tool: 'upscaler', input: { image: 'x', category: 'nope' } })
      .catch((e: unknown) => e);
    expect(invalid).toMatchObject({ name: 'JobGateError', code: 'VALIDATION', jobId: uuid(2) });
    expect(await p.store.get(uuid(2))).toBeNull();
    await alice.submit({ jobId: uuid(3), tool: 'veste-ai', input: p.vesteAi('alice', uuid(3)) });
    await expect(bob.get(uuid(3))).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
    await expect(alice.cancel(uuid(3))).rejects.toMatchObject({
      code: 'CONFIRM_REQUIRED',
      jobId: uuid(3),
    });
    const stranger = functionsTransport(p.client('mallory-token'));
    await expect(stranger.active()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('maps gateway HTML pages, relay errors, network failures and aborts', async () => {
    const p = project();
    const alice = functionsTransport(p.client('alice-token'));
    p.setGateway('html502');
    const bad = await alice.get(uuid(9)).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'NETWORK_ERROR', jobId: uuid(9) });
    expect((bad as Error).message).toContain('502');
    expect((bad as Error).message).not.toContain('<');
    p.setGateway('html504');
    await expect(alice.active()).rejects.toMatchObject({ code: 'TIMEOUT' });
    p.setGateway('relay');
    await expect(alice.active()).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    p.setGateway('down');
    await expect(alice.active()).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    p.setGateway('ok');
    const aborted = new AbortController();
    aborted.abort();
    await expect(alice.active(aborted.signal)).rejects.toMatchObject({ code: 'TIMEOUT' });
  });
});

describe('storageUploader over supabase.storage', () => {
  function storage(answer: 'ok' | 'exists') {
    const calls: Array<{ method: string; path: string; headers: Headers; body?: string }> = [];
    const fetch: typeof globalThis.fetch = (async (
      input: RequestInfo | URL,
      init?: RequestInit,
    ) => {
      const request = new Request(input, init);
      const url = new URL(request.url);
      const body = request.method === 'DELETE' ? await request.text() : undefined;
      calls.push({ method: request.method, path: url.pathname, headers: request.headers, body });
      if (url.pathname.startsWith('/storage/v1/object/sign/')) {
        const path = url.pathname.replace('/storage/v1', '');
        return Response.json({ signedURL: `${path}?token=t` });
      }
      if (request.method === 'POST' && answer === 'exists') {
        return Response.json(
          { statusCode: '409', error: 'Duplicate', message: 'The resource already exists' },
          { status: 409 },
        );
      }
      if (request.method === 'POST') {
        return Response.json({ Key: url.pathname.replace('/storage/v1/object/', ''), Id: '1' });
      }
      return Response.json([{ name: 'x' }]);
    }) as typeof fetch;
    const client = createClient(URL_BASE, 'anon-key', {
      global: { fetch },
      auth: { persistSession: false },
      ...withNodeRealtime(),
    });
    return { client, calls };
  }

  it('uploads to {tool}/{userId}/{jobId}/{name} without overwriting, and signs a URL', async () => {
    const { client, calls } = storage('ok');
    const uploader = storageUploader(client, { bucket: 'inputs' });
    const progress: number[] = [];
    const result = await uploader.upload(
      {
        tool: 'veste-ai',
        userId: 'alice',
        jobId: uuid(1),
        name: 'person.webp',
        contentType: 'image/webp',
        data: new Uint8Array([1, 2, 3]),
      },
      { onProgress: (f) => progress.push(f) },
    );
    expect(result.path).toBe(`veste-ai/alice/${uuid(1)}/person.webp`);
    expect(result.url).toContain(`/object/sign/inputs/veste-ai/alice/${uuid(1)}/person.webp`);
    expect(calls[0]).toMatchObject({
      method: 'POST',
      path: `/storage/v1/object/inputs/veste-ai/alice/${uuid(1)}/person.webp`,
    });
    expect(calls[0]?.headers.get('x-upsert')).toBe('false');
    expect(progress).toEqual([0, 1]);
    await uploader.remove([result.path]);
    expect(calls.at(-1)).toMatchObject({ method: 'DELETE', path: '/storage/v1/object/inputs' });
    expect(JSON.parse(calls.at(-1)!.body!)).toEqual({ prefixes: [result.path] });
  });

  it('refuses unsafe names and reports storage failures as STORAGE_ERROR', async () => {
    const { client } = storage('exists');
    const uploader = storageUploader(client, { bucket: 'inputs' });
    const request = {
      tool: 'veste-ai',
      userId: 'alice',
      jobId: uuid(1),
      name: 'person.webp',
      contentType: 'image/webp',
      data: new Uint8Array([1]),
    };
    await expect(uploader.upload({ ...request, name: '../x' })).rejects.toMatchObject({
      code: 'VALIDATION',
    });
    await expect(uploader.upload(request)).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
      jobId: uuid(1),
    });
  });
});

describe('withNodeRealtime', () => {
  it('lets createClient work on Node without a global WebSocket, and keeps a given transport', () => {
    const hasNative = typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function';
    if (!hasNative) {
      expect(() => createClient(URL_BASE, 'anon-key')).toThrow(/WebSocket/);
    }
    const options = withNodeRealtime();
    expect(() => createClient(URL_BASE, 'anon-key', options)).not.toThrow();
    if (!hasNative) expect(options.realtime?.transport).toBeTypeOf('function');
    class Custom {}
    const kept = withNodeRealtime({ realtime: { transport: Custom as never } });
    expect(kept.realtime?.transport).toBe(Custom);
  });
});

export type { Job };
