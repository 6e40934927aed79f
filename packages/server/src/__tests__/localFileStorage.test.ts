import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobGateError } from '@jobgate/core';
import { SAMPLE_MP4, SAMPLE_PNG } from '@jobgate/example-tools';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localFileStorage } from '../localFileStorage.js';

const SECRET = 'local-files-secret-0123';
const PATH = 'upscaler/alice/00000000-0000-4000-8000-000000000001/image.png';

/** A body that sends `chunks`, then (optionally) fails as a cut download does. */
function body(chunks: Uint8Array[], failAfter = false): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((r) => setTimeout(r, 1));
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else if (failAfter) controller.error(new Error('connection reset'));
      else controller.close();
    },
  });
}
const bytes = (data: Uint8Array) => body([data.subarray(0, 10), data.subarray(10)]);

/** Every file under `dir`, as relative paths. */
async function filesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

let root: string;
let dir: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'jobgate-local-'));
  dir = join(root, 'files');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});
const open = () => localFileStorage({ dir, secret: SECRET, baseUrl: 'http://files.test/files' });

describe('localFileStorage: write, read, remove', () => {
  it('stores a streamed body at its path and reads it back, typed from its bytes', async () => {
    const storage = open();
    await storage.write(PATH, bytes(SAMPLE_PNG), { contentType: 'application/octet-stream' });
    expect(new Uint8Array(await readFile(join(dir, PATH)))).toEqual(SAMPLE_PNG);
    const file = await storage.read(PATH);
    // The bytes say PNG, whatever the writer claimed.
    expect(file).toMatchObject({
      path: PATH,
      size: SAMPLE_PNG.byteLength,
      contentType: 'image/png',
    });
    const blob = await file.blob();
    expect(blob.type).toBe('image/png');
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(SAMPLE_PNG);
    // A video named .png is a video; unknown bytes are octet-stream.
    await storage.write('a/b/c/clip.png', bytes(SAMPLE_MP4), { contentType: 'image/png' });
    expect((await storage.read('a/b/c/clip.png')).contentType).toBe('video/mp4');
    await storage.write('a/b/c/notes.png', body([new TextEncoder().encode('plain text')]), {
      contentType: 'image/png',
    });
    expect((await storage.read('a/b/c/notes.png')).contentType).toBe('application/octet-stream');
  });

  it('replaces a file unless ifAbsent, which refuses with CONFLICT and keeps the first', async () => {
    const storage = open();
    await storage.write(PATH, bytes(SAMPLE_MP4), { contentType: 'video/mp4' });
    await storage.write(PATH, bytes(SAMPLE_PNG), { contentType: 'image/png' });
    expect((await storage.read(PATH)).contentType).toBe('image/png');
    const second = await storage
      .write(PATH, bytes(SAMPLE_MP4), { contentType: 'video/mp4', ifAbsent: true })
      .catch((e) => e);
    expect(second).toBeInstanceOf(JobGateError);
    expect(second.code).toBe('CONFLICT');
    expect(new Uint8Array(await readFile(join(dir, PATH)))).toEqual(SAMPLE_PNG);
    expect(await filesIn(dir)).toEqual([PATH]);
  });

  it('ifAbsent: of two uploads racing to one path exactly one lands, whole', async () => {
    const storage = open();
    for (let round = 0; round < 20; round++) {
      const path = `veste-ai/alice/job-${round}/person.png`;
      const results = await Promise.allSettled([
        storage.write(path, bytes(SAMPLE_PNG), { contentType: 'image/png', ifAbsent: true }),
        storage.write(path, bytes(SAMPLE_MP4), { contentType: 'video/mp4', ifAbsent: true }),
      ]);
      const won = results.findIndex((r) => r.status === 'fulfilled');
      expect(
        results.filter((r) => r.status === 'fulfilled'),
        `round ${round}`,
      ).toHaveLength(1);
      const lost = results[1 - won] as PromiseRejectedResult;
      expect(lost.reason).toMatchObject({ code: 'CONFLICT' });
      const stored = new Uint8Array(await readFile(join(dir, path)));
      expect(stored).toEqual(won === 0 ? SAMPLE_PNG : SAMPLE_MP4);
    }
    // No temporary file is left behind by the loser.
    expect((await filesIn(dir)).filter((f) => !/\/person\.png$/.test(f))).toEqual([]);
  });

  it('a body that errors half-way leaves no file (and no partial one), nor replaces the old', async () => {
    const storage = open();
    const cut = await storage
      .write(PATH, body([SAMPLE_PNG.subarray(0, 20)], true), { contentType: 'image/png' })
      .catch((e) => e);
    expect(cut).toBeInstanceOf(Error);
    await expect(storage.read(PATH)).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
      kind: 'invalid',
    });
    expect(await filesIn(dir)).toEqual([]);
    await storage.write(PATH, bytes(SAMPLE_PNG), { contentType: 'image/png' });
    await storage
      .write(PATH, body([SAMPLE_MP4.subarray(0, 8)], true), { contentType: 'video/mp4' })
      .catch(() => undefined);
    expect(new Uint8Array(await readFile(join(dir, PATH)))).toEqual(SAMPLE_PNG);
    expect(await filesIn(dir)).toEqual([PATH]);
  });

  it('an aborted write stores nothing', async () => {
    const storage = open();
    const controller = new AbortController();
    const slow = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(SAMPLE_PNG.subarray(0, 10));
        setTimeout(() => controller.abort(), 5);
      },
    });
    await expect(
      storage.write(PATH, slow, { contentType: 'image/png', signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
    expect(await filesIn(dir)).toEqual([]);
  });

  it('a missing file is STORAGE_ERROR invalid; a folder is no file; remove ignores the missing', async () => {
    const storage = open();
    await expect(storage.read(PATH)).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
      kind: 'invalid',
      details: { path: PATH, reason: 'missing' },
    });
    await storage.write(PATH, bytes(SAMPLE_PNG), { contentType: 'image/png' });
    // The job's folder exists now; it is not a file anyone can read.
    const folder = PATH.slice(0, PATH.lastIndexOf('/'));
    await expect(storage.read(folder)).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
      kind: 'invalid',
    });
    await storage.remove([PATH, 'upscaler/alice/other/image.png']);
    await expect(storage.read(PATH)).rejects.toMatchObject({ kind: 'invalid' });
    expect(await filesIn(dir)).toEqual([]);
  });

  it('a disk that refuses the write is STORAGE_ERROR transient, and the body is released', async () => {
    // `dir` is a file: no folder can be made under it.
    await writeFile(dir, 'not a folder');
    const storage = open();
    let cancelled = false;
    const waiting = new ReadableStream<Uint8Array>({
      cancel() {
        cancelled = true;
      },
    });
    await expect(storage.write(PATH, waiting, { contentType: 'image/png' })).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
      kind: 'transient',
    });
    expect(cancelled).toBe(true);
  });

  it('refuses paths that could leave its folder or are not storage paths, touching nothing', async () => {
    const storage = open();
    await storage.write(PATH, bytes(SAMPLE_PNG), { contentType: 'image/png' });
    const bad = [
      '',
      '/etc/passwd',
      '../outside.png',
      'a/../../outside.png',
      'a/./b.png',
      'a//b.png',
      'a/b/',
      '.',
      '..',
      'a/b c.png',
      'a/%2e%2e/b.png',
      'a\\..\\b.png',
      'a/\u0000.png',
      `a/${'x'.repeat(129)}`,
    ];
    for (const path of bad) {
      for (const attempt of [
        () => storage.write(path, bytes(SAMPLE_PNG), { contentType: 'image/png' }),
        () => storage.read(path),
        () => storage.signedUrl(path, 60),
        () => storage.remove([path]),
      ]) {
        const error = await attempt().then(
          () => null,
          (e: unknown) => e,
        );
        expect(error, JSON.stringify(path)).toMatchObject({ code: 'VALIDATION' });
      }
    }
    expect(await filesIn(root)).toEqual([`files/${PATH}`]);
  });

  it('needs a secret of 16 characters or more', () => {
    expect(() => localFileStorage({ dir, secret: 'short', baseUrl: 'http://x.test' })).toThrow(
      expect.objectContaining({ code: 'VALIDATION' }),
    );
  });
});
