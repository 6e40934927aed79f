import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '@jobgate/core';
import { afterAll, describe, expect, it } from 'vitest';
import { devAuthenticator, devToken } from '../server/devAuthenticator.js';
import { fileRoutes, sniff } from '../server/fileRoutes.js';
import { pdfBytes, pngImage } from './fixtures.js';

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
  const files = fileRoutes({ dir, auth: devAuthenticator({ store: new MemoryStore() }) });
  const jobId = crypto.randomUUID();
  const png = pngImage(4, [200, 10, 10]);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('stores a file at the standard path in the user’s own folder and serves it back', async () => {
    const path = `veste-ai/alice/${jobId}/person.png`;
    const put = await files(request(path, { method: 'PUT', body: png, token: 'dev-alice' }), path);
    expect([put.status, await put.json()]).toEqual([201, { path }]);
    const get = await files(request(path), path);
    expect(get.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await get.arrayBuffer()).equals(png)).toBe(true);
    const again = await files(
      request(path, { method: 'PUT', body: png, token: 'dev-alice' }),
      path,
    );
    expect(again.status).toBe(409);
  });

  it('refuses other users’ folders, wrong bytes, unknown fields, empty and oversized files', async () => {
    const answer = async (path: string, body: Uint8Array, token = 'dev-alice') => {
      const response = await files(request(path, { method: 'PUT', body, token }), path);
      return [response.status, ((await response.json()) as { error: { code: string } }).error.code];
    };
    expect(await answer(`veste-ai/bob/${jobId}/person.png`, png)).toEqual([403, 'FORBIDDEN']);
    expect(await answer(`veste-ai/alice/${jobId}/clothing.png`, pdfBytes)).toEqual([
      400,
      'VALIDATION',
    ]);
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
    expect(sniff(png)).toBe('image/png');
    expect(sniff(pdfBytes)).toBeNull();
    expect(sniff(new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 0]))).toBe('video/webm');
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
  it('reads inputs only at standard upload paths inside the files folder', async () => {
    const { markedOutput } = await import('../server/markedOutput.js');
    const dir = await mkdtemp(join(tmpdir(), 'jobgate-out-'));
    try {
      const make = markedOutput(dir);
      const task = (fieldValue: string) =>
        ({
          taskId: '1900000000000000001',
          webappId: '2018755100210106369',
          nodeInfoList: [{ nodeId: '41', fieldName: 'image', fieldValue }],
        }) as Parameters<typeof make>[0];
      await expect(make(task('../../../etc/passwd'))).rejects.toThrow();
      await expect(make(task('veste-ai/alice/../../../etc/passwd'))).rejects.toThrow();
      const { mkdir, writeFile } = await import('node:fs/promises');
      await mkdir(join(dir, 'veste-ai', 'alice', 'j1'), { recursive: true });
      await writeFile(join(dir, 'veste-ai', 'alice', 'j1', 'person.png'), pngImage(4, [1, 2, 3]));
      const file = await make(task('veste-ai/alice/j1/person.png'));
      expect(file.contentType).toBe('image/svg+xml');
      const svg = new TextDecoder().decode(file.data);
      expect(svg).toContain('data:image/png;base64,');
      expect(svg).toContain('Veste AI (simulated)');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
