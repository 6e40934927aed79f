import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '@jobgate/core';
import { sniffContentType } from '@jobgate/core/adapter';
import { tools } from '@jobgate/example-tools';
import { localFileStorage } from '@jobgate/server/node';
import { afterAll, describe, expect, it } from 'vitest';
import { devAuthenticator, devToken } from '../server/devAuthenticator.js';
import { fileRoutes } from '../server/fileRoutes.js';
import { ffmpegPath } from '../server/markVideo.js';
import { mp4Bytes, pdfBytes, pngImage } from './fixtures.js';

const request = (path: string, init: { method?: string; body?: Uint8Array; token?: string } = {}) =>
  new Request(`http://app.test/files/${path}`, {
    method: init.method ?? 'GET',
    ...(init.body ? { body: new Blob([new Uint8Array(init.body)]) } : {}),
    headers: init.token ? { authorization: `Bearer ${init.token}` } : {},
  });

describe('the dev sign-in', () => {
  it('refuses to start on a store other processes share, unless --dev-auth says so', () => {
    const shared = Object.assign(new MemoryStore(), {
      capabilities: { durable: true, shared: true, crossProcessEvents: true },
    });
    expect(() => devAuthenticator({ store: shared })).toThrow(/embedded store .* --dev-auth/);
    expect(() => devAuthenticator({ store: shared, allowSharedStore: true })).not.toThrow();
  });

  it('signs in the demo users by name, the operator with its role, nobody else', async () => {
    const auth = devAuthenticator({ store: new MemoryStore() });
    const who = (token: string) =>
      auth.authenticate(
        new Request('http://app.test/', { headers: { authorization: `Bearer ${token}` } }),
      );
    expect(await who(devToken('alice'))).toMatchObject({ userId: 'alice', role: 'user' });
    expect((await who(devToken('olga'))).claims).toEqual({ role: 'operator' });
    await expect(who(devToken('mallory'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(who('alice')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('the local uploader', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'jobgate-files-'));
  const storage = localFileStorage({
    dir,
    secret: 'a-test-secret-of-24-chars',
    baseUrl: 'http://app.test/files',
  });
  const files = fileRoutes({
    storage,
    auth: devAuthenticator({ store: new MemoryStore() }),
    tools,
  });
  const jobId = crypto.randomUUID();
  const png = pngImage(4, [200, 10, 10]);
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const get = (url: string) =>
    files(new Request(url), new URL(url).pathname.slice('/files/'.length));

  it('stores a file at the standard path in the user’s own folder, never twice', async () => {
    const path = `veste-ai/alice/${jobId}/person.png`;
    const put = await files(request(path, { method: 'PUT', body: png, token: 'dev-alice' }), path);
    expect([put.status, await put.json()]).toEqual([201, { path }]);
    expect(Buffer.from(await readFile(join(dir, path))).equals(png)).toBe(true);
    const again = await files(
      request(path, { method: 'PUT', body: png, token: 'dev-alice' }),
      path,
    );
    expect(again.status).toBe(409);
  });

  it('serves a file only at a URL the server signed, with the type of its bytes and no way to run as a page', async () => {
    const path = `veste-ai/alice/${jobId}/output-1.svg`;
    const script =
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>';
    await mkdir(join(dir, 'veste-ai', 'alice', jobId), { recursive: true });
    await writeFile(join(dir, path), script);
    // Anyone who knows (or guesses) the path gets nothing: no token, no file.
    const bare = await files(request(path), path);
    expect([bare.status, ((await bare.json()) as { error: { code: string } }).error.code]).toEqual([
      403,
      'FORBIDDEN',
    ]);
    const signed = await storage.signedUrl(path, 60);
    const other = await storage.signedUrl(`veste-ai/alice/${jobId}/person.png`, 60);
    const forged = `${signed.split('?')[0]}?${other.split('?')[1]}`;
    expect((await get(forged)).status).toBe(403);
    const answer = await get(signed);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('image/svg+xml');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('content-security-policy')).toMatch(/sandbox/);
    expect(answer.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(answer.headers.get('content-disposition')).toBe('inline; filename="output-1.svg"');
    expect(await answer.text()).toBe(script);
  });

  it('refuses other users’ folders, wrong bytes, SVG, a bare ftyp, unknown fields, empty and oversized files', async () => {
    const answer = async (path: string, body: Uint8Array, token = 'dev-alice') => {
      const response = await files(request(path, { method: 'PUT', body, token }), path);
      return [response.status, ((await response.json()) as { error: { code: string } }).error.code];
    };
    expect(await answer(`veste-ai/bob/${jobId}/person.png`, png)).toEqual([403, 'FORBIDDEN']);
    expect(await answer(`veste-ai/alice/${jobId}/clothing.png`, pdfBytes)).toEqual([
      400,
      'VALIDATION',
    ]);
    const svg = new TextEncoder().encode(
      '<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>',
    );
    expect(await answer(`veste-ai/alice/${jobId}/clothing.png`, svg)).toEqual([400, 'VALIDATION']);
    expect(
      await answer(
        `video-upscaler/alice/${jobId}/video.mp4`,
        new TextEncoder().encode('\0\0\0\0ftyp'),
      ),
    ).toEqual([400, 'VALIDATION']);
    expect(await answer(`veste-ai/alice/${jobId}/shoe.png`, png)).toEqual([400, 'VALIDATION']);
    expect(await answer(`video-upscaler/alice/${jobId}/video.mp4`, png)).toEqual([
      400,
      'VALIDATION',
    ]);
    expect(await answer(`upscaler/alice/${jobId}/image.png`, new Uint8Array(0))).toEqual([
      400,
      'VALIDATION',
    ]);
    const big = new Uint8Array(8 * 1024 * 1024 + 1);
    big.set(png);
    expect(await answer(`upscaler/alice/${jobId}/image.png`, big)).toEqual([
      413,
      'PAYLOAD_TOO_LARGE',
    ]);
    expect(await answer(`upscaler/alice/..%2F..%2Fx/image.png`, png)).toEqual([400, 'VALIDATION']);
    const anonymous = await files(
      request(`upscaler/alice/${jobId}/image.png`, { method: 'PUT', body: png }),
      `upscaler/alice/${jobId}/image.png`,
    );
    expect(anonymous.status).toBe(401);
  });

  it('knows a file by its bytes, never by its name', () => {
    expect(sniffContentType(png)).toBe('image/png');
    expect(sniffContentType(pdfBytes)).toBeNull();
    expect(sniffContentType(mp4Bytes())).toBe('video/mp4');
  });
});

describe('npm start', () => {
  it('--json still runs the headless simulation and prints its report', () => {
    const out = execFileSync(
      'npx',
      [
        'tsx',
        '--conditions=@jobgate/source',
        'examples/web/src/server/main.ts',
        '--json',
        '--seed',
        '2',
        '--duration',
        '10',
        '--store',
        'memory',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    const report = JSON.parse(out.trim());
    expect(report).toMatchObject({ store: 'memory', nonTerminal: 0 });
    expect(report.maxRunning).toBeLessThanOrEqual(3);
  }, 90_000);
});

describe('the simulated output', () => {
  const input = (fieldName: string, bytes: Uint8Array, contentType: string) => ({
    nodeId: fieldName === 'video' ? '3' : '41',
    fieldName,
    fileName: `api/0001.${contentType.split('/')[1]}`,
    name: `${fieldName}.${contentType.split('/')[1]}`,
    bytes,
    contentType,
    size: bytes.byteLength,
  });

  it('draws the files RunningHub received for the task, with a mark naming the tool', async () => {
    const { markedOutput } = await import('../server/markedOutput.js');
    // The app names the task's tool from its job (startApp.ts); here, as the job would.
    const make = markedOutput(async (t) =>
      t.taskId === '1900000000000000001' ? 'Veste AI' : null,
    );
    const task = {
      taskId: '1900000000000000001',
      webappId: '2018755100210106369',
      nodeInfoList: [],
    } as unknown as Parameters<typeof make>[0];
    const file = await make(task, [
      input('image', pngImage(4, [1, 2, 3]), 'image/png'),
      input('image', pngImage(4, [9, 9, 9]), 'image/png'),
    ]);
    expect(file.contentType).toBe('image/svg+xml');
    const svg = new TextDecoder().decode(file.data);
    expect(svg.match(/data:image\/png;base64,/g)).toHaveLength(2);
    expect(svg).toContain(Buffer.from(pngImage(4, [9, 9, 9])).toString('base64'));
    expect(svg).toContain('Veste AI (simulated)');
  });

  describe.each([
    ['webm', 'video/webm'],
    ['mp4', 'video/mp4'],
  ])('for a %s video', (ext, contentType) => {
    it('re-encodes the whole video with a green frame', async () => {
      const { markedOutput } = await import('../server/markedOutput.js');
      const ffmpeg = await ffmpegPath();
      expect(ffmpeg, 'the ffmpeg of @ffmpeg-installer/ffmpeg runs here').toBeTypeOf('string');
      const bin = ffmpeg as string;
      const dir = await mkdtemp(join(tmpdir(), 'jobgate-out-'));
      try {
        // The user's video: 2 s of a test pattern, 20 frames of 320x240, not green at the edge.
        const input_ = join(dir, 'video-upscaler', 'alice', 'j1', `video.${ext}`);
        await mkdir(join(dir, 'video-upscaler', 'alice', 'j1'), { recursive: true });
        const codec =
          ext === 'webm' ? ['-c:v', 'libvpx'] : ['-c:v', 'libx264', '-pix_fmt', 'yuv420p'];
        execFileSync(bin, [
          ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10', '-t', '2'],
          ...codec,
          input_,
        ]);
        const make = markedOutput(async () => null);
        const started = performance.now();
        const task = {
          taskId: '1900000000000000002',
          webappId: '2018810750139109378',
          nodeInfoList: [{ nodeId: '3', fieldName: 'video', fieldValue: `api/0001.${ext}` }],
        } as unknown as Parameters<typeof make>[0];
        const file = await make(task, [
          input('video', new Uint8Array(await readFile(input_)), contentType),
        ]);
        const ms = Math.round(performance.now() - started);
        expect(file).toMatchObject({ contentType, ext });
        const before = await readFile(input_);
        expect(Buffer.from(file.data).equals(before)).toBe(false);
        const output = join(dir, `out.${ext}`);
        await writeFile(output, file.data);
        // Decodes from start to end without an error.
        expect(
          execFileSync(bin, ['-v', 'error', '-i', output, '-f', 'null', '-'], { encoding: 'utf8' }),
        ).toBe('');
        const frames = (path: string) =>
          execFileSync(
            bin,
            ['-v', 'error', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
            {
              maxBuffer: 64 << 20,
            },
          );
        const [inRgb, outRgb] = [frames(input_), frames(output)];
        // Same size and frame count: the user's whole video, not a cut or a thumbnail.
        expect(outRgb.length).toBe(inRgb.length);
        expect(outRgb.length / (320 * 240 * 3)).toBe(20);
        const pixel = (rgb: Buffer, x: number, y: number) => [
          ...rgb.subarray((y * 320 + x) * 3, (y * 320 + x) * 3 + 3),
        ];
        const green = ([r, g, b]: number[]) => g! > 150 && r! < 90 && b! < 140;
        for (const [x, y] of [
          [0, 0],
          [319, 239],
          [5, 120],
        ] as const) {
          expect(green(pixel(inRgb, x, y)), `input pixel ${x},${y}`).toBe(false);
          expect(green(pixel(outRgb, x, y)), `output pixel ${x},${y}`).toBe(true);
        }
        // Inside the frame the picture is the user's, not green.
        expect(green(pixel(outRgb, 160, 60))).toBe(false);
        console.log(`marked ${ext} video (2 s, 320x240) in ${ms} ms`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }, 60_000);
  });

  it('keeps a video that does not decode as it is, so the job still finishes', async () => {
    const { markedOutput } = await import('../server/markedOutput.js');
    const make = markedOutput(async () => null);
    const task = {
      taskId: '1900000000000000003',
      webappId: '2018810750139109378',
      nodeInfoList: [{ nodeId: '3', fieldName: 'video', fieldValue: 'api/0001.mp4' }],
    } as unknown as Parameters<typeof make>[0];
    const file = await make(task, [input('video', mp4Bytes(), 'video/mp4')]);
    expect(file.contentType).toBe('video/mp4');
    expect(Buffer.from(file.data).equals(mp4Bytes())).toBe(true);
  });
});
