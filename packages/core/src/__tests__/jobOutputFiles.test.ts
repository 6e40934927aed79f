import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../domain/tool.js';
import { MemoryStore } from '../memory/memoryStore.js';
import { JobRunner } from '../runner/jobRunner.js';
import { FakeClock } from '../testing/fakeClock.js';
import { MemoryFileStorage } from '../testing/memoryFileStorage.js';
import { CountingBilling, HandProvider, POLL, uuid } from './handRunner.js';

const PNG = Uint8Array.from([
  0x89,
  0x50,
  0x4e,
  0x47,
  0x0d,
  0x0a,
  0x1a,
  0x0a,
  ...new Array(500).fill(7),
]);

const img = defineTool({
  id: 'img',
  input: z.object({ prompt: z.string() }),
  creditCost: 10,
  maxRunMs: 10 * 60_000,
  pollIntervalMs: POLL,
});

/** A provider's file host: serves `PNG` at /result.png; `cutNext` cuts that many downloads half-way. */
async function fileHost() {
  let cutNext = 0;
  let downloads = 0;
  const server: Server = createServer((req, res) => {
    downloads++;
    if (req.url !== '/result.png') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(PNG.length) });
    if (cutNext > 0) {
      cutNext--;
      res.write(PNG.subarray(0, PNG.length / 2));
      setTimeout(() => res.destroy(), 10);
      return;
    }
    res.end(PNG);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/result.png`;
  hosts.push(server);
  return {
    url,
    cut: (n: number) => {
      cutNext = n;
    },
    downloads: () => downloads,
  };
}
const hosts: Server[] = [];
afterEach(() => {
  for (const host of hosts.splice(0)) host.close();
});

function setup(files?: { maxOutputBytes?: number }) {
  const clock = new FakeClock(Date.UTC(2026, 1, 1));
  const store = new MemoryStore();
  const storage = new MemoryFileStorage();
  const billing = new CountingBilling();
  const provider = new HandProvider(clock);
  const runner = new JobRunner({
    store,
    provider,
    tools: [img],
    storage,
    clock,
    billing,
    random: () => 0.5,
    ...(files ? { files } : {}),
  });
  const run = (n: number, userId = `u${n}`) =>
    runner.submit({ jobId: uuid(n), tool: 'img', userId, input: { prompt: 'a cat' } });
  return { clock, store, storage, billing, provider, runner, run };
}

describe('a job’s results', () => {
  it('are copied into storage before the job completes; the output holds storage paths only', async () => {
    const host = await fileHost();
    const { run, runner, storage, store } = setup();
    const job = await run(1);
    const output = { files: [host.url], outputs: [{ url: host.url, nodeId: '9' }] };
    const done = await runner.applyUpdate(job.id, {
      state: 'completed',
      taskId: job.taskId!,
      output,
    });
    const path = `img/u1/${uuid(1)}/output-1.png`;
    expect(done.status).toBe('completed');
    expect(done.output).toEqual({
      files: [path],
      outputs: [{ url: path, nodeId: '9' }],
      storedFiles: [{ path, contentType: 'image/png', size: PNG.length }],
    });
    expect(JSON.stringify(done.output)).not.toContain('127.0.0.1');
    // The type comes from the bytes, not the host's "text/plain".
    expect(storage.files.get(path)).toMatchObject({ contentType: 'image/png' });
    expect([...storage.files.get(path)!.data]).toEqual([...PNG]);
    expect((await store.get(job.id))?.output).toEqual(done.output);
  });

  it('stay running when a download is cut half-way, store nothing, and are copied when heal asks again', async () => {
    const host = await fileHost();
    const { run, runner, storage, store, provider, clock } = setup();
    const job = await run(1);
    host.cut(1);
    const output = { files: [host.url] };
    await expect(
      runner.applyUpdate(job.id, { state: 'completed', taskId: job.taskId!, output }),
    ).rejects.toMatchObject({ code: 'STORAGE_ERROR', kind: 'transient' });
    expect((await store.get(job.id))?.status).toBe('running');
    expect(storage.files.size).toBe(0);
    // The callback's copy failed; the provider still says completed when heal polls.
    provider.statuses.set(job.taskId!, { state: 'completed', output });
    await clock.advance(POLL + 1);
    await runner.heal();
    const healed = await store.get(job.id);
    expect(healed?.status).toBe('completed');
    expect(healed?.output).toMatchObject({ files: [`img/u1/${uuid(1)}/output-1.png`] });
    expect(storage.files.size).toBe(1);
    expect(host.downloads()).toBe(2);
  });

  it('end the job failed STORAGE_ERROR and refunded when a file is over the limit, storing nothing', async () => {
    const host = await fileHost();
    const { run, runner, storage, billing, store } = setup({ maxOutputBytes: 100 });
    const job = await run(1);
    const ended = await runner.applyUpdate(job.id, {
      state: 'completed',
      taskId: job.taskId!,
      output: { files: [host.url] },
    });
    expect(ended).toMatchObject({ status: 'failed', errorCode: 'STORAGE_ERROR' });
    expect(await store.get(job.id)).toMatchObject({ creditState: 'refunded' });
    expect(ended.errorMessage).toBe('STORAGE_ERROR: a file could not be read or stored');
    expect(billing.refunds).toEqual([uuid(1)]);
    expect(storage.files.size).toBe(0);
  });

  it('end the job failed STORAGE_ERROR, refunded, after copies kept failing at each poll', async () => {
    const { run, runner, store, provider, clock, billing } = setup();
    const job = await run(1);
    // A host that is gone: every copy fails.
    provider.statuses.set(job.taskId!, {
      state: 'completed',
      output: { files: ['http://127.0.0.1:9/gone.png'] },
    });
    const seen: string[] = [];
    for (let poll = 0; poll < 12 && seen.at(-1) !== 'failed'; poll++) {
      await clock.advance(POLL + 1);
      await runner.heal();
      seen.push((await store.get(job.id))!.status);
    }
    // Ten polls (statusGracePolls) keep the job running: the result may still be stored.
    expect(seen.slice(0, 9).every((s) => s === 'running')).toBe(true);
    expect(seen.at(-1)).toBe('failed');
    expect(seen).not.toContain('completed');
    expect(await store.get(job.id)).toMatchObject({
      errorCode: 'STORAGE_ERROR',
      creditState: 'refunded',
    });
    expect(billing.refunds).toEqual([uuid(1)]);
  });

  it('come back with fresh signed URLs for their owner, NOT_FOUND for anyone else', async () => {
    const host = await fileHost();
    const { run, runner } = setup();
    const job = await run(1, 'alice');
    expect(await runner.outputFiles(job.id, 'alice')).toEqual([]);
    await runner.applyUpdate(job.id, {
      state: 'completed',
      taskId: job.taskId!,
      output: { files: [host.url] },
    });
    const [file, ...rest] = await runner.outputFiles(job.id, 'alice');
    expect(rest).toEqual([]);
    expect(file).toMatchObject({
      path: `img/alice/${uuid(1)}/output-1.png`,
      contentType: 'image/png',
      size: PNG.length,
    });
    expect(Date.parse(file!.expiresAt!)).toBeGreaterThan(Date.UTC(2026, 1, 1));
    const fetched = new Uint8Array(await (await fetch(file!.url)).arrayBuffer());
    expect([...fetched]).toEqual([...PNG]);
    await expect(runner.outputFiles(job.id, 'bob')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('quote', () => {
  it('prices an input from the registry and refuses one the schema refuses', async () => {
    const { runner, store } = setup();
    expect(await runner.quote('img', { prompt: 'x' })).toEqual({ tool: 'img', credits: 10 });
    await expect(runner.quote('img', { prompt: 1 })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(runner.quote('nope', {})).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(store.snapshot()).toEqual([]);
  });
});
