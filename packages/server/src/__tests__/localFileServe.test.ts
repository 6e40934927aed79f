import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_MP4, SAMPLE_PNG } from '@jobgate/example-tools';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LocalFileStorage, localFileStorage } from '../localFileStorage.js';
import { serveNode } from '../node.js';

const SECRET = 'local-files-secret-0123';
const JOB = 'upscaler/alice/00000000-0000-4000-8000-000000000001';
const PNG = `${JOB}/output-1.png`;

const once = (data: Uint8Array | string) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(typeof data === 'string' ? new TextEncoder().encode(data) : data);
      c.close();
    },
  });

let dir: string;
let storage: LocalFileStorage;
let server: Awaited<ReturnType<typeof serveNode>>;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jobgate-serve-'));
  // Served over node:http, as an app mounts it: the URL is known once the server listens.
  let mounted: LocalFileStorage | undefined;
  server = await serveNode((request) => mounted!.serve(request));
  storage = localFileStorage({ dir, secret: SECRET, baseUrl: `${server.url}/files/` });
  mounted = storage;
  await storage.write(PNG, once(SAMPLE_PNG), { contentType: 'image/png' });
});
afterEach(async () => {
  vi.useRealTimers();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function errorCode(response: Response): Promise<string | undefined> {
  return ((await response.json()) as { error?: { code?: string } }).error?.code;
}

describe('localFileStorage: signed URLs', () => {
  it('a signed URL GETs the bytes with no other credential', async () => {
    const url = await storage.signedUrl(PNG, 60);
    expect(url.startsWith(`${server.url}/files/${PNG}?`)).toBe(true);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(SAMPLE_PNG);
  });

  it('works mounted at the root of a host too', async () => {
    let mounted: LocalFileStorage | undefined;
    const rootServer = await serveNode((request) => mounted!.serve(request));
    try {
      mounted = localFileStorage({ dir, secret: SECRET, baseUrl: rootServer.url });
      const url = await mounted.signedUrl(PNG, 60);
      expect(new URL(url).host).toBe(new URL(rootServer.url).host);
      expect(new URL(url).pathname).toBe(`/${PNG}`);
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(SAMPLE_PNG);
    } finally {
      await rootServer.close();
    }
  });

  it('refuses a wrong signature, another path’s, another secret’s and a stretched expiry', async () => {
    await storage.write(`${JOB}/output-2.png`, once(SAMPLE_PNG), { contentType: 'image/png' });
    const good = new URL(await storage.signedUrl(PNG, 60));
    const signature = good.searchParams.get('signature')!;
    const flipped = new URL(good);
    flipped.searchParams.set('signature', (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1));
    const otherPath = new URL(good);
    otherPath.pathname = `/files/${JOB}/output-2.png`;
    const stretched = new URL(good);
    stretched.searchParams.set('expires', String(Number(good.searchParams.get('expires')) + 3600));
    const unsigned = new URL(good);
    unsigned.searchParams.delete('signature');
    const foreign = localFileStorage({
      dir,
      secret: 'another-secret-0123456',
      baseUrl: `${server.url}/files`,
    });
    for (const url of [
      flipped,
      otherPath,
      stretched,
      unsigned,
      new URL(await foreign.signedUrl(PNG, 60)),
    ]) {
      const response = await fetch(url);
      expect(response.status, url.toString()).toBe(403);
      expect(await errorCode(response)).toBe('FORBIDDEN');
    }
    expect((await fetch(good)).status).toBe(200);
  });

  it('an expired URL is refused (a fake clock one second past its expiry)', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 1, 1) });
    const url = await storage.signedUrl(PNG, 1);
    vi.setSystemTime(Date.UTC(2026, 1, 1) + 999);
    expect((await storage.serve(new Request(url))).status).toBe(200);
    vi.setSystemTime(Date.UTC(2026, 1, 1) + 2_001);
    const late = await storage.serve(new Request(url));
    expect(late.status).toBe(403);
    expect(await errorCode(late)).toBe('FORBIDDEN');
  });

  it('a signed URL of a removed file is 404; other methods and paths outside the mount are refused', async () => {
    const url = await storage.signedUrl(PNG, 60);
    await storage.remove([PNG]);
    const gone = await fetch(url);
    expect(gone.status).toBe(404);
    expect(await errorCode(gone)).toBe('NOT_FOUND');
    expect((await storage.serve(new Request(url, { method: 'POST', body: 'x' }))).status).toBe(404);
    expect((await fetch(`${server.url}/elsewhere/${PNG}`)).status).toBe(404);
  });

  it('paths with .., encoded slashes or broken escapes are refused, never 5xx', async () => {
    const good = new URL(await storage.signedUrl(PNG, 60));
    const query = good.search;
    for (const path of [
      `/files/${JOB}/..%2F..%2F..%2Fetc%2Fpasswd`,
      `/files/${JOB}/%2e%2e/%2e%2e/x.png`,
      `/files/${JOB}/%E0%A4%A.png`,
      `/files/${JOB}/%00.png`,
      '/files/',
    ]) {
      const response = await storage.serve(new Request(`${server.url}${path}${query}`));
      expect(response.status, path).toBeGreaterThanOrEqual(400);
      expect(response.status, path).toBeLessThan(500);
    }
  });
});

describe('localFileStorage: serving', () => {
  it('headers: type from the bytes, nosniff, a sandboxing CSP, inline for media', async () => {
    // A PNG stored under a video's name is served as what it is.
    const disguised = `${JOB}/clip.mp4`;
    await storage.write(disguised, once(SAMPLE_PNG), { contentType: 'video/mp4' });
    const response = await fetch(await storage.signedUrl(disguised, 60));
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp.split(';').map((s) => s.trim())).toContain('sandbox');
    expect(response.headers.get('content-disposition')).toBe('inline; filename="clip.mp4"');
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(response.headers.get('content-length')).toBe(String(SAMPLE_PNG.byteLength));
    await response.arrayBuffer();
  });

  it('a page disguised as an image is a download, never a page of the app', async () => {
    const page = `${JOB}/photo.png`;
    await storage.write(page, once('<html><script>alert(document.cookie)</script></html>'), {
      contentType: 'image/png',
    });
    const response = await fetch(await storage.signedUrl(page, 60));
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="photo.png"');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    await response.arrayBuffer();
    // An SVG (it can carry scripts) is shown only under the sandbox.
    const svg = `${JOB}/output-3.svg`;
    await storage.write(svg, once('<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'), {
      contentType: 'image/svg+xml',
    });
    const shown = await fetch(await storage.signedUrl(svg, 60));
    expect(shown.headers.get('content-type')).toBe('image/svg+xml');
    expect(shown.headers.get('content-security-policy')).toContain('sandbox');
    await shown.arrayBuffer();
  });

  it('byte ranges: 206 with Content-Range, suffix and open ranges, 416 past the end', async () => {
    const video = `${JOB}/output-1.mp4`;
    await storage.write(video, once(SAMPLE_MP4), { contentType: 'video/mp4' });
    const url = await storage.signedUrl(video, 60);
    const size = SAMPLE_MP4.byteLength;
    const get = (range: string) => fetch(url, { headers: { range } });
    const cases: Array<[string, number, number]> = [
      ['bytes=0-3', 0, 3],
      ['bytes=4-', 4, size - 1],
      ['bytes=-5', size - 5, size - 1],
      ['bytes=8-1000', 8, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const response = await get(range);
      expect(response.status, range).toBe(206);
      expect(response.headers.get('content-range')).toBe(`bytes ${start}-${end}/${size}`);
      expect(response.headers.get('content-length')).toBe(String(end - start + 1));
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(
        SAMPLE_MP4.subarray(start, end + 1),
      );
    }
    for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0']) {
      const response = await get(range);
      expect(response.status, range).toBe(416);
      expect(response.headers.get('content-range')).toBe(`bytes */${size}`);
      await response.arrayBuffer();
    }
    // A Range header that is not one valid range is ignored: the whole file.
    for (const range of ['bytes=5-2', 'items=0-3', 'bytes=0-1,4-5']) {
      const response = await get(range);
      expect(response.status, range).toBe(200);
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(SAMPLE_MP4);
    }
  });

  it('HEAD answers the headers without the body', async () => {
    const response = await fetch(await storage.signedUrl(PNG, 60), { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(SAMPLE_PNG.byteLength));
    expect(response.headers.get('content-type')).toBe('image/png');
    expect((await response.arrayBuffer()).byteLength).toBe(0);
  });
});
