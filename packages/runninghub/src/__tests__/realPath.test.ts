import { createJobRunner, type Job, MemoryStore } from '@jobgate/core';
import { FakeClock, MemoryBilling, MemoryFileStorage } from '@jobgate/core/testing';
import { SAMPLE_MP4, SAMPLE_PNG, tools, uploadSampleInput } from '@jobgate/example-tools';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_UPLOAD_BYTES } from '../runningHubPaths.js';
import { createRunningHubProvider } from '../runningHubProvider.js';
import { uuid } from './helpers.js';
import { BASE, CDN, RunningHubCloud } from './runningHubCloud.js';

/**
 * The real path of a job's files, with msw standing in for RunningHub's cloud (it cannot be
 * reached from tests): a real runner reads each input from the app's storage, uploads it to
 * RunningHub, starts the app with the returned fileNames, and copies the result RunningHub
 * serves into storage before the job completes.
 */
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
// Each test's runner is closed after it, so none of its timers reaches the next test's cloud.
const runners: Array<{ close(): void }> = [];
afterEach(() => {
  for (const runner of runners.splice(0)) runner.close();
  server.resetHandlers();
});
afterAll(() => server.close());

const KEY = 'rh-live-key';
const SECRET = 'real-path-webhook-secret-0123456789';
const START = 1_000;

/** A real PNG whose bytes are unique to `n` (the marker rides after the image data). */
const png = (n: number) => Uint8Array.from([...SAMPLE_PNG, ...new TextEncoder().encode(`#${n}`)]);

function setup() {
  const cloud = new RunningHubCloud();
  server.use(...cloud.handlers());
  const clock = new FakeClock(Date.UTC(2026, 5, 1));
  const store = new MemoryStore();
  const storage = new MemoryFileStorage();
  const billing = new MemoryBilling({ initialBalance: START });
  const runner = createJobRunner({
    store,
    storage,
    billing,
    provider: createRunningHubProvider({ apiKey: KEY, retry: { backoffMs: [1] } }),
    tools,
    clock,
    webhook: { baseUrl: 'https://app.example', secret: SECRET },
    random: () => 0.5,
  });
  runners.push(runner);
  /** Puts the job's files into storage (as the browser's upload would) and submits it. */
  const submit = async (
    n: number,
    tool: 'veste-ai' | 'video-upscaler' | 'upscaler',
    files: Record<string, Uint8Array> = {},
  ): Promise<Job> => {
    const owner = { userId: `u${n}`, jobId: uuid(n) };
    const input = uploadSampleInput(storage, tool, owner) as Record<string, unknown>;
    for (const [field, bytes] of Object.entries(files)) storage.put(input[field] as string, bytes);
    try {
      return await runner.submit({ jobId: owner.jobId, tool, userId: owner.userId, input });
    } catch {
      // A start that failed for good: the job is already terminal.
      return (await store.get(owner.jobId))!;
    }
  };
  /** RunningHub's TASK_END callback for the task of the `run`-th start, to its webhookUrl. */
  const callBack = async (run: number) => {
    const body = cloud.runs[run]!;
    const taskId = await vi.waitFor(async () => {
      const job = (await store.list({ limit: 100 })).find((j) => j.taskId !== null);
      expect(job).toBeDefined();
      return job!.taskId!;
    });
    const url = new URL(String(body.webhookUrl));
    const token = decodeURIComponent(url.pathname.split('/').at(-1)!);
    const request = new Request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        event: 'TASK_END',
        taskId,
        eventData: JSON.stringify(cloud.outputsEnvelope(taskId)),
      }),
    });
    return runner.handleWebhook(token, request);
  };
  const ledger = async (job: Job) => ({
    balance: (await billing.balance(job.userId)).total,
    // Sorted: the ledger lists its newest entries first.
    kinds: (await billing.entries({ jobId: job.id })).map((e) => e.kind).sort(),
  });
  return { cloud, clock, store, storage, runner, submit, callBack, ledger };
}

describe('the real path against RunningHub’s cloud (msw)', () => {
  it('uploads the stored bytes, starts with the returned fileNames, and copies the result into storage', async () => {
    const { cloud, storage, submit, callBack, ledger } = setup();
    const person = png(1);
    const clothing = png(2);
    const job = await submit(1, 'veste-ai', { person, clothing });
    expect(job.status).toBe('running');

    // Each file went to /task/openapi/upload as multipart apiKey, fileType, file: its exact bytes.
    expect(cloud.uploads.map((u) => [u.apiKey, u.fileType, u.name])).toEqual(
      expect.arrayContaining([
        [KEY, 'image', 'person.png'],
        [KEY, 'image', 'clothing.png'],
      ]),
    );
    const sent = Object.fromEntries(cloud.uploads.map((u) => [u.name, u]));
    expect([...sent['person.png']!.bytes]).toEqual([...person]);
    expect([...sent['clothing.png']!.bytes]).toEqual([...clothing]);

    // The start names RunningHub's fileNames, never the app's storage paths.
    expect(cloud.runs).toHaveLength(1);
    const run = cloud.runs[0]!;
    expect(run).toMatchObject({
      apiKey: KEY,
      webappId: '2018755100210106369',
      nodeInfoList: [
        { nodeId: '41', fieldName: 'image', fieldValue: sent['person.png']!.answer.fileName },
        { nodeId: '43', fieldName: 'image', fieldValue: sent['clothing.png']!.answer.fileName },
      ],
    });
    expect(JSON.stringify(run.nodeInfoList)).not.toContain('veste-ai/');
    expect(String(run.webhookUrl)).toMatch(/^https:\/\/app\.example\/webhooks\/runninghub\//);

    // RunningHub calls back; the runner fetches the CDN file and stores it before completing.
    const result = png(99);
    cloud.results.set('1907035719658053600', result);
    const done = await callBack(0);
    const path = `veste-ai/u1/${job.id}/output-1.png`;
    expect(done).toMatchObject({ status: 'completed', progress: 1 });
    expect(done.output).toEqual({
      files: [path],
      outputs: [{ url: path, fileType: 'png', nodeId: '9', costTimeSec: 12 }],
      storedFiles: [{ path, contentType: 'image/png', size: result.byteLength }],
    });
    expect([...storage.files.get(path)!.data]).toEqual([...result]);
    expect(cloud.downloads).toEqual([cloud.resultUrl('1907035719658053600')]);
    const kept = JSON.stringify(done.output);
    expect(kept).not.toContain(CDN);
    expect(kept).not.toContain(BASE);
    expect(await ledger(done)).toEqual({ balance: START - 60, kinds: ['charge'] });
  });

  it('an input over 30 MB fails the job PAYLOAD_TOO_LARGE before any upload, and refunds it', async () => {
    const { cloud, submit, ledger } = setup();
    const big = new Uint8Array(MAX_UPLOAD_BYTES + 1);
    big.set(SAMPLE_MP4);
    const job = await submit(1, 'video-upscaler', { video: big });
    expect(job).toMatchObject({ status: 'failed', errorCode: 'PAYLOAD_TOO_LARGE', taskId: null });
    expect([cloud.uploads.length, cloud.runs.length]).toEqual([0, 0]);
    expect(await ledger(job)).toEqual({ balance: START, kinds: ['charge', 'refund'] });
  });

  it('an upload RunningHub refuses (808) fails the job PROVIDER_UPLOAD with no start, and refunds it', async () => {
    const { cloud, submit, ledger } = setup();
    cloud.uploadCodes.push(808);
    const job = await submit(1, 'upscaler');
    expect(job).toMatchObject({ status: 'failed', errorCode: 'PROVIDER_UPLOAD', taskId: null });
    expect([cloud.uploads.length, cloud.runs.length]).toEqual([1, 0]);
    expect(await ledger(job)).toEqual({ balance: START, kinds: ['charge', 'refund'] });
  });

  it('an upload answered 500 (transient) requeues the job; the retry uploads again and starts', async () => {
    const { cloud, clock, store, submit } = setup();
    cloud.uploadCodes.push(500);
    const job = await submit(1, 'upscaler');
    expect(job).toMatchObject({ status: 'queued', errorCode: 'PROVIDER_UPLOAD', attempts: 1 });
    expect([cloud.uploads.length, cloud.runs.length]).toEqual([1, 0]);
    await clock.advance(3_000);
    // Running (promoted) comes before the start answers: wait for the task.
    await vi.waitFor(async () => expect((await store.get(job.id))?.taskId).not.toBeNull());
    expect([cloud.uploads.length, cloud.runs.length]).toEqual([2, 1]);
    expect(cloud.runs[0]!.nodeInfoList).toContainEqual(
      expect.objectContaining({ fieldValue: cloud.uploads[1]!.answer.fileName }),
    );
  });

  it('a busy start (421) after the uploads requeues the job; the retry starts without uploading again', async () => {
    const { cloud, clock, store, storage, runner, submit, ledger } = setup();
    cloud.runCodes.push(421);
    const job = await submit(1, 'veste-ai', { person: png(1), clothing: png(2) });
    expect(job).toMatchObject({ status: 'queued', errorCode: 'PROVIDER_BUSY', taskId: null });
    expect([cloud.uploads.length, cloud.runs.length]).toEqual([2, 1]);

    await clock.advance(3_000);
    const started = await vi.waitFor(async () => {
      const current = await store.get(job.id);
      expect(current?.taskId).not.toBeNull();
      return current!;
    });
    expect([cloud.uploads.length, cloud.runs.length]).toEqual([2, 2]);
    // Both starts name the same uploads: the fileNames were kept across the requeue.
    expect(cloud.runs[1]!.nodeInfoList).toEqual(cloud.runs[0]!.nodeInfoList);

    // The callback of this attempt is lost: heal asks status, then outputs, and copies.
    const result = png(7);
    cloud.results.set(started.taskId!, result);
    await clock.advance(20_001);
    await runner.heal();
    const done = (await store.get(job.id))!;
    expect(cloud.statusCalls).toContain(started.taskId);
    expect(done.status).toBe('completed');
    const path = `veste-ai/u1/${job.id}/output-1.png`;
    expect((done.output as { files: string[] }).files).toEqual([path]);
    expect([...storage.files.get(path)!.data]).toEqual([...result]);
    expect(JSON.stringify(done.output)).not.toContain(CDN);
    expect(await ledger(done)).toEqual({ balance: START - 60, kinds: ['charge'] });
  });

  it('cancelling a running job cancels its task at RunningHub and refunds it', async () => {
    const { cloud, runner, submit, ledger } = setup();
    const job = await submit(1, 'upscaler');
    const cancelled = await runner.cancel({ jobId: job.id, userId: 'u1', confirm: true });
    expect(cancelled.status).toBe('cancelled');
    expect(cloud.cancels).toEqual([{ apiKey: KEY, taskId: job.taskId }]);
    expect((await ledger(cancelled)).kinds).toEqual(['charge', 'refund']);
  });
});
