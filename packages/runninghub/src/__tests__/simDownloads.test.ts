import { createHash } from 'node:crypto';
import { SAMPLE_PNG } from '@jobgate/example-tools';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningHubSimulator, startRunningHubSimulator } from '../runningHubSimulator.js';
import type { SimOutputStream } from '../simTask.js';
import { simHttp } from './simHttp.js';

let sim: RunningHubSimulator | undefined;
afterEach(() => sim?.close());

const { upload, run, outputUrl } = simHttp(() => sim!.url);

const MB = 1024 * 1024;

/** A streamed output of `mb` MiB, 1 MiB chunks each filled with its index: made on demand. */
function streamed(mb: number, chunksMade: { count: number }): SimOutputStream {
  return {
    size: mb * MB,
    contentType: 'video/mp4',
    ext: 'mp4',
    async *chunks() {
      for (let i = 0; i < mb; i++) {
        chunksMade.count++;
        yield new Uint8Array(MB).fill(i % 251);
      }
    },
  };
}

function expectedHash(mb: number): string {
  const hash = createHash('sha256');
  for (let i = 0; i < mb; i++) hash.update(new Uint8Array(MB).fill(i % 251));
  return hash.digest('hex');
}

/** Reads a body to its end (or its break), hashing it: resolves with the bytes, the hash, the error. */
async function drain(response: Response, onChunk: () => void = () => {}) {
  const hash = createHash('sha256');
  let bytes = 0;
  let error: unknown = null;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      hash.update(chunk);
      onChunk();
    }
  } catch (e) {
    error = e;
  }
  return { bytes, hash: hash.digest('hex'), error };
}

async function finishedTask(): Promise<string> {
  const image = await upload('in.png', SAMPLE_PNG);
  const { taskId } = (await run(image)).data as { taskId: string };
  await sim!.finish(taskId);
  return taskId;
}

describe('the simulator’s output downloads', () => {
  it('serves a 200 MB streamed output with Content-Length, never holding it whole', async () => {
    const made = { count: 0 };
    sim = await startRunningHubSimulator({ manual: true, output: () => streamed(200, made) });
    const taskId = await finishedTask();
    // Nothing is made before a download asks for it.
    expect(made.count).toBe(0);
    const { fileUrl, fileType } = await outputUrl(taskId);
    expect(fileType).toBe('mp4');
    const memory = () => {
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const before = memory();
    let peak = before;
    const response = await fetch(fileUrl);
    expect(response.headers.get('content-length')).toBe(String(200 * MB));
    expect(response.headers.get('content-type')).toBe('video/mp4');
    let reads = 0;
    const body = await drain(response, () => {
      if (++reads % 16 === 0) peak = Math.max(peak, memory());
    });
    expect(body).toEqual({ bytes: 200 * MB, hash: expectedHash(200), error: null });
    expect(made.count).toBe(200);
    const grew = Math.round((peak - before) / MB);
    console.log(`200 MB output served; memory grew at most ${grew} MB while it streamed`);
    // Held whole, it would take 200 MB on the server alone.
    expect(grew).toBeLessThan(100);
    expect(sim.downloads).toEqual([{ taskId, status: 200, bytes: 200 * MB, cut: false }]);
  }, 60_000);

  it('injectDownloadCut cuts the next GETs of a task’s output after K bytes, then serves it whole', async () => {
    sim = await startRunningHubSimulator({ manual: true, output: () => streamed(3, { count: 0 }) });
    const taskId = await finishedTask();
    const other = await finishedTask();
    const { fileUrl } = await outputUrl(taskId);
    const otherUrl = (await outputUrl(other)).fileUrl;
    sim.injectDownloadCut({ taskId, afterBytes: MB + 123, times: 2 });
    for (let i = 0; i < 2; i++) {
      const response = await fetch(fileUrl);
      // The headers announce the whole file; the body breaks after K bytes.
      expect(response.headers.get('content-length')).toBe(String(3 * MB));
      const cut = await drain(response);
      expect(cut.bytes).toBe(MB + 123);
      expect(cut.error).toBeInstanceOf(Error);
    }
    // Another task's output was never cut; the third GET of this one is whole.
    expect((await drain(await fetch(otherUrl))).error).toBeNull();
    expect(await drain(await fetch(fileUrl))).toEqual({
      bytes: 3 * MB,
      hash: expectedHash(3),
      error: null,
    });
    expect(sim.downloads.map((d) => [d.taskId === taskId, d.bytes, d.cut])).toEqual([
      [true, MB + 123, true],
      [true, MB + 123, true],
      [false, 3 * MB, false],
      [true, 3 * MB, false],
    ]);
  });

  it('a cut without taskId hits the next download of any task; clearInjections drops it', async () => {
    sim = await startRunningHubSimulator({ manual: true });
    const { fileUrl } = await outputUrl(await finishedTask());
    sim.injectDownloadCut({ afterBytes: 10 });
    expect(await drain(await fetch(fileUrl))).toMatchObject({ bytes: 10 });
    sim.injectDownloadCut({ afterBytes: 10 });
    sim.clearInjections();
    const whole = await drain(await fetch(fileUrl));
    // The default result: the 1×1 PNG.
    expect(whole).toMatchObject({ bytes: SAMPLE_PNG.byteLength, error: null });
    expect(() => sim!.injectDownloadCut({ afterBytes: -1 })).toThrow(/whole number/);
  });

  it('a stream that yields fewer or more bytes than its size is cut, never served as a wrong file', async () => {
    const liar = (size: number, actual: number): SimOutputStream => ({
      size,
      contentType: 'application/octet-stream',
      ext: 'bin',
      async *chunks() {
        yield new Uint8Array(actual);
      },
    });
    let n = 0;
    sim = await startRunningHubSimulator({
      manual: true,
      output: () => (n++ === 0 ? liar(1_000, 400) : liar(1_000, 1_500)),
    });
    for (const taskId of [await finishedTask(), await finishedTask()]) {
      // Broken in the body, or before it (nothing of a too-long file may pass as the file).
      const body = await fetch((await outputUrl(taskId)).fileUrl).then(
        (response) => drain(response),
        (error: unknown) => ({ bytes: 0, error }),
      );
      expect(body.error).toBeInstanceOf(Error);
      expect(body.bytes).toBeLessThan(1_000);
    }
    expect(sim.downloads.map((d) => d.cut)).toEqual([true, true]);
  });
});
