import { JobGateError } from '@jobgate/core';
import { SAMPLE_MP4, SAMPLE_PNG } from '@jobgate/example-tools';
import { serveNode } from '@jobgate/server/node';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeStorage } from '../local/fakeStorage.js';
import { withNodeRealtime } from '../node.js';
import { signHs256Jwt } from '../signHs256Jwt.js';
import { storageUploader } from '../storageUploader.js';
import { supabaseFileStorage } from '../supabaseFileStorage.js';

/**
 * supabaseFileStorage through real supabase-js, over HTTP, against the local Storage
 * stand-in (src/local/fakeStorage.ts): what the edge function does with the app's files.
 */
const SECRET = 'file-storage-test-jwt-secret-with-32-characters';
const BUCKET = 'job-files';
const USER = '8d1f4c2e-0000-4000-8000-000000000001';
const JOB = '8d1f4c2e-0000-4000-8000-00000000000a';
const at = (name: string) => `veste-ai/${USER}/${JOB}/${name}`;

/** A stream of the given chunks; `gate` runs before each chunk after the first. */
function streamOf(
  chunks: readonly Uint8Array[],
  gate: (sent: number) => Promise<void> = async () => undefined,
): ReadableStream<Uint8Array> {
  let i = 0;
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (i >= chunks.length) return controller.close();
      if (i > 0) await gate(sent);
      const chunk = chunks[i++]!;
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
}

const bytesOf = async (blob: Blob) => new Uint8Array(await blob.arrayBuffer());

describe('supabaseFileStorage against the local Storage stand-in', () => {
  const storage = fakeStorage({ jwtSecret: SECRET, buckets: [BUCKET] });
  let server: Awaited<ReturnType<typeof serveNode>>;
  let service: SupabaseClient;
  const clientOf = async (claims: Record<string, unknown>) =>
    createClient(
      server.url,
      await signHs256Jwt({ exp: Math.floor(Date.now() / 1000) + 600, ...claims }, SECRET),
      { auth: { persistSession: false, autoRefreshToken: false }, ...withNodeRealtime() },
    );

  beforeAll(async () => {
    server = await serveNode(storage);
    service = await clientOf({ role: 'service_role' });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('writes a stream, reads it back typed from its bytes, signs a URL any client can GET, removes it', async () => {
    const files = supabaseFileStorage(service, { bucket: BUCKET });
    const path = at('output-1.png');
    // Declared as octet-stream: the type read back is the one the bytes show.
    await files.write(path, streamOf([SAMPLE_PNG.subarray(0, 10), SAMPLE_PNG.subarray(10)]), {
      contentType: 'application/octet-stream',
    });
    expect(storage.keys()).toContain(`${BUCKET}/${path}`);
    const file = await files.read(path);
    expect(file).toMatchObject({ path, size: SAMPLE_PNG.byteLength, contentType: 'image/png' });
    const blob = await file.blob();
    expect(blob.type).toBe('image/png');
    expect(await bytesOf(blob)).toEqual(SAMPLE_PNG);

    const url = await files.signedUrl(path, 60);
    expect(url.startsWith(`${server.url}/storage/v1/object/sign/${BUCKET}/`)).toBe(true);
    const signed = await fetch(url);
    expect(signed.status).toBe(200);
    expect(signed.headers.get('content-type')).toBe('application/octet-stream');
    expect(new Uint8Array(await signed.arrayBuffer())).toEqual(SAMPLE_PNG);
    const forged = new URL(url);
    forged.searchParams.set('token', `${Date.now() + 60_000}.forged`);
    expect((await fetch(forged)).status).toBe(400);

    await files.remove([path, at('never-there.png')]);
    expect(storage.keys()).not.toContain(`${BUCKET}/${path}`);
    await expect(files.read(path)).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
      kind: 'invalid',
    });
  });

  it('a signed URL serves the type the file was stored with (results are written typed)', async () => {
    const files = supabaseFileStorage(service, { bucket: BUCKET });
    const path = at('output-1.mp4');
    await files.write(path, streamOf([SAMPLE_MP4]), { contentType: 'video/mp4' });
    const signed = await fetch(await files.signedUrl(path, 60));
    expect(signed.headers.get('content-type')).toBe('video/mp4');
    expect(signed.headers.get('content-length')).toBe(String(SAMPLE_MP4.byteLength));
    expect((await files.read(path)).contentType).toBe('video/mp4');
  });

  it('streams the body: Storage receives its first chunk before the rest exists', async () => {
    const files = supabaseFileStorage(service, { bucket: BUCKET });
    const path = at('output-2.png');
    const first = SAMPLE_PNG.subarray(0, 20);
    // The second chunk is made only once Storage holds the first: a buffering client would
    // wait for the whole body first and never get here.
    const gate = async () => {
      const deadline = Date.now() + 5_000;
      while ((storage.receiving(`${BUCKET}/${path}`) ?? 0) < first.byteLength) {
        if (Date.now() > deadline) throw new Error('Storage never saw the first chunk');
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await files.write(path, streamOf([first, SAMPLE_PNG.subarray(20)], gate), {
      contentType: 'image/png',
    });
    expect(await bytesOf(await (await files.read(path)).blob())).toEqual(SAMPLE_PNG);
  });

  it('a body that errors half-way stores nothing and rejects with the body’s own error', async () => {
    const files = supabaseFileStorage(service, { bucket: BUCKET });
    const path = at('output-3.png');
    const cut = new JobGateError('STORAGE_ERROR', 'result file 1 was cut off', {
      kind: 'transient',
    });
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (pulls++ === 0) return controller.enqueue(SAMPLE_PNG.subarray(0, 30));
        // Storage has the first part when the source breaks.
        while ((storage.receiving(`${BUCKET}/${path}`) ?? 0) < 30) {
          await new Promise((r) => setTimeout(r, 10));
        }
        controller.error(cut);
      },
    });
    await expect(files.write(path, body, { contentType: 'image/png' })).rejects.toBe(cut);
    await expect.poll(() => storage.receiving(`${BUCKET}/${path}`)).toBeUndefined();
    expect(storage.keys()).not.toContain(`${BUCKET}/${path}`);
    await expect(files.read(path)).rejects.toMatchObject({ kind: 'invalid' });
  });

  it('replaces a file unless ifAbsent, which refuses with CONFLICT and keeps the first', async () => {
    const files = supabaseFileStorage(service, { bucket: BUCKET });
    const path = at('person.png');
    await files.write(path, streamOf([SAMPLE_MP4]), { contentType: 'video/mp4' });
    await files.write(path, streamOf([SAMPLE_PNG]), { contentType: 'image/png' });
    expect(await bytesOf(await (await files.read(path)).blob())).toEqual(SAMPLE_PNG);
    const refused = await files
      .write(path, streamOf([SAMPLE_MP4]), { contentType: 'video/mp4', ifAbsent: true })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(JobGateError);
    expect(refused).toMatchObject({ code: 'CONFLICT' });
    expect(await bytesOf(await (await files.read(path)).blob())).toEqual(SAMPLE_PNG);
    const fresh = at('clothing.png');
    await files.write(fresh, streamOf([SAMPLE_PNG]), { contentType: 'image/png', ifAbsent: true });
    expect((await files.read(fresh)).size).toBe(SAMPLE_PNG.byteLength);
  });

  it('an abort cuts a body that never ends: rejected at once, nothing stored', async () => {
    const files = supabaseFileStorage(service, { bucket: BUCKET });
    const path = at('output-4.png');
    let sent = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (!sent) controller.enqueue(SAMPLE_PNG.subarray(0, 8));
        sent = true;
        return new Promise(() => undefined);
      },
    });
    const controller = new AbortController();
    const writing = files.write(path, endless, {
      contentType: 'image/png',
      signal: controller.signal,
    });
    await expect.poll(() => storage.receiving(`${BUCKET}/${path}`)).toBe(8);
    controller.abort();
    await expect(writing).rejects.toMatchObject({ code: 'STORAGE_ERROR', kind: 'transient' });
    await expect.poll(() => storage.receiving(`${BUCKET}/${path}`)).toBeUndefined();
    expect(storage.keys()).not.toContain(`${BUCKET}/${path}`);
  });

  it('errors: a missing file is invalid, a missing bucket or a storage that is down transient; Storage’s text is only the cause', async () => {
    const files = supabaseFileStorage(service, { bucket: BUCKET });
    const missing = (await files.read(at('nope.png')).catch((e: unknown) => e)) as JobGateError;
    expect(missing).toMatchObject({ code: 'STORAGE_ERROR', kind: 'invalid' });
    expect(missing.message).not.toMatch(/Object not found/);
    expect(String((missing.cause as Error).message)).toMatch(/Object not found/);
    await expect(files.signedUrl(at('nope.png'), 60)).rejects.toMatchObject({ kind: 'invalid' });

    const noBucket = supabaseFileStorage(service, { bucket: 'no-such-bucket' });
    const bucketError = (await noBucket.read(at('x.png')).catch((e: unknown) => e)) as JobGateError;
    expect(bucketError).toMatchObject({ code: 'STORAGE_ERROR', kind: 'transient' });
    expect(bucketError.message).toContain('"no-such-bucket" does not exist');

    const down = createClient('http://127.0.0.1:9', 'key', {
      auth: { persistSession: false },
      ...withNodeRealtime(),
    });
    const offline = supabaseFileStorage(down, { bucket: BUCKET });
    await expect(offline.read(at('x.png'))).rejects.toMatchObject({ kind: 'transient' });
    await expect(
      offline.write(at('x.png'), streamOf([SAMPLE_PNG]), { contentType: 'image/png' }),
    ).rejects.toMatchObject({ code: 'STORAGE_ERROR', kind: 'transient' });
    await expect(offline.remove([at('x.png')])).rejects.toMatchObject({ kind: 'transient' });
  });

  it('reads what the browser uploaded with storageUploader (multipart, the user’s own folder)', async () => {
    const browser = await clientOf({ role: 'authenticated', sub: USER, aud: 'authenticated' });
    const upload = await storageUploader(browser, { bucket: BUCKET }).upload({
      tool: 'veste-ai',
      userId: USER,
      jobId: JOB,
      name: 'upload.png',
      data: new Blob([SAMPLE_PNG as Uint8Array<ArrayBuffer>], { type: 'image/png' }),
      contentType: 'image/png',
    });
    const file = await supabaseFileStorage(service, { bucket: BUCKET }).read(upload.path);
    expect(file).toMatchObject({ size: SAMPLE_PNG.byteLength, contentType: 'image/png' });
    expect(await bytesOf(await file.blob())).toEqual(SAMPLE_PNG);
  });
});
