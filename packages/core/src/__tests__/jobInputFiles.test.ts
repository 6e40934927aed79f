import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JobGateError } from '../domain/errors.js';
import { defineTool } from '../domain/tool.js';
import { MemoryStore } from '../memory/memoryStore.js';
import type { ProviderFile, ProviderStartContext } from '../ports/provider.js';
import { JobRunner } from '../runner/jobRunner.js';
import { FakeClock } from '../testing/fakeClock.js';
import { MemoryFileStorage } from '../testing/memoryFileStorage.js';
import { CountingBilling, HandProvider, POLL, uuid } from './handRunner.js';

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

const tryOn = defineTool({
  id: 'try-on',
  input: z.object({ person: z.string(), clothing: z.string(), note: z.string().optional() }),
  creditCost: 60,
  maxRunMs: 60_000,
  pollIntervalMs: POLL,
  files: ['person', 'clothing'],
});

/** A HandProvider that records what it was handed and what the start saw. */
class FileProvider extends HandProvider {
  readonly uploads: Array<{ field: string; name: string; bytes: Uint8Array; type: string }> = [];
  readonly startInputs: unknown[] = [];
  uploadErrors: Error[] = [];

  override async upload(file: ProviderFile, _signal: AbortSignal): Promise<string> {
    const error = this.uploadErrors.shift();
    if (error) throw error;
    const bytes = new Uint8Array(await (await file.blob()).arrayBuffer());
    this.uploads.push({ field: file.field, name: file.name, bytes, type: file.contentType });
    return `ref-${this.uploads.length}-${file.name}`;
  }

  override async start(context: ProviderStartContext): Promise<{ taskId: string }> {
    this.startInputs.push(context.job.input);
    return super.start(context);
  }
}

function setup() {
  const clock = new FakeClock(Date.UTC(2026, 1, 1));
  const store = new MemoryStore();
  const storage = new MemoryFileStorage();
  const billing = new CountingBilling();
  const provider = new FileProvider(clock);
  const runner = new JobRunner({
    store,
    provider,
    tools: [tryOn],
    storage,
    clock,
    billing,
    random: () => 0.5,
    policy: { globalCap: 3 },
  });
  const paths = (userId: string, jobId: string) => ({
    person: `try-on/${userId}/${jobId}/person.png`,
    clothing: `try-on/${userId}/${jobId}/clothing.png`,
  });
  /** Uploads both files for the job, as the browser would, and submits it. */
  const submit = (n: number, userId = `u${n}`) => {
    const input = paths(userId, uuid(n));
    storage.put(input.person, PNG);
    storage.put(input.clothing, Uint8Array.from([...PNG, 9]));
    return runner.submit({ jobId: uuid(n), tool: 'try-on', userId, input });
  };
  return { clock, store, storage, billing, provider, runner, paths, submit };
}

describe('a job’s input files', () => {
  it('go to the provider before the start, which sees the provider’s references, never a path', async () => {
    const { submit, provider, store } = setup();
    const job = await submit(1);
    expect(job.status).toBe('running');
    expect(provider.uploads.map((u) => [u.field, u.name, u.bytes.length, u.type])).toEqual([
      ['person', 'person.png', PNG.length, 'image/png'],
      ['clothing', 'clothing.png', PNG.length + 1, 'image/png'],
    ]);
    expect(provider.uploads[1]!.bytes.at(-1)).toBe(9);
    expect(provider.startInputs).toEqual([
      { person: 'ref-1-person.png', clothing: 'ref-2-clothing.png' },
    ]);
    // The job keeps its own paths: the provider's names are not the user's input.
    expect((await store.get(job.id))?.input).toEqual({
      person: `try-on/u1/${uuid(1)}/person.png`,
      clothing: `try-on/u1/${uuid(1)}/clothing.png`,
    });
  });

  it.each([
    ['another user’s file', (own: { person: string }) => own.person.replace('/alice/', '/bob/')],
    [
      'another tool’s file',
      (own: { person: string }) => own.person.replace('try-on/', 'upscaler/'),
    ],
    ['another job’s file', (own: { person: string }) => own.person.replace(uuid(1), uuid(2))],
    ['a path outside the job folder', () => `try-on/alice/${uuid(1)}/../x/person.png`],
    ['a nested path', () => `try-on/alice/${uuid(1)}/a/person.png`],
    ['a name of the job’s own results', () => `try-on/alice/${uuid(1)}/output-1.png`],
    ['a URL', () => 'https://example.com/person.png'],
  ])('refuses %s with VALIDATION before any row, and sends nothing', async (_what, make) => {
    const { runner, store, provider, paths } = setup();
    const own = paths('alice', uuid(1));
    const error = await runner
      .submit({
        jobId: uuid(1),
        tool: 'try-on',
        userId: 'alice',
        input: { ...own, person: make(own) },
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'VALIDATION', jobId: uuid(1) });
    expect((error as JobGateError).message).toMatch(/person must be a file uploaded for this job/);
    expect(await store.get(uuid(1))).toBeNull();
    expect(provider.uploads).toHaveLength(0);
  });

  it('ends a job whose input file is missing from storage STORAGE_ERROR, refunded, at once', async () => {
    const { runner, store, billing, provider, paths } = setup();
    const error = await runner
      .submit({ jobId: uuid(1), tool: 'try-on', userId: 'u1', input: paths('u1', uuid(1)) })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORAGE_ERROR', jobId: uuid(1) });
    const job = await store.get(uuid(1));
    expect(job).toMatchObject({
      status: 'failed',
      errorCode: 'STORAGE_ERROR',
      creditState: 'refunded',
    });
    expect(job?.completedAt).not.toBeNull();
    expect(billing.refunds).toEqual([uuid(1)]);
    expect(provider.startedAt).toHaveLength(0);
  });

  it.each([
    [
      'refused by the provider',
      new JobGateError('PROVIDER_REJECTED', 'the upload failed', { providerCode: 808 }),
      'PROVIDER_UPLOAD',
    ],
    [
      'too large for it',
      new JobGateError('PAYLOAD_TOO_LARGE', 'over 30 MB', { kind: 'invalid' }),
      'PAYLOAD_TOO_LARGE',
    ],
  ])(
    'ends a job whose upload was %s with a code, refunded, nothing started',
    async (_w, err, code) => {
      const { submit, store, billing, provider } = setup();
      provider.uploadErrors = [err];
      await expect(submit(1)).rejects.toMatchObject({ code, jobId: uuid(1) });
      expect(await store.get(uuid(1))).toMatchObject({
        status: 'failed',
        errorCode: code,
        creditState: 'refunded',
      });
      expect(billing.refunds).toEqual([uuid(1)]);
      expect(provider.startedAt).toHaveLength(0);
    },
  );

  it('keeps the provider’s references when a busy start goes back to the queue: the retry uploads nothing', async () => {
    const { submit, store, provider, clock } = setup();
    provider.starts = [
      new JobGateError('PROVIDER_BUSY', 'the account is full', { providerCode: 421 }),
    ];
    const queued = await submit(1);
    expect(queued).toMatchObject({ status: 'queued', attempts: 1 });
    expect(queued.providerInput).toEqual({
      person: 'ref-1-person.png',
      clothing: 'ref-2-clothing.png',
    });
    await clock.advance(3_500);
    const job = await store.get(uuid(1));
    expect(job?.status).toBe('running');
    expect(job?.taskId).not.toBeNull();
    expect(provider.uploads).toHaveLength(2);
    expect(provider.startInputs).toHaveLength(2);
    expect(provider.startInputs[1]).toEqual(provider.startInputs[0]);
  });

  it('retries a transient upload failure with backoff and keeps what already arrived', async () => {
    const { submit, store, provider, clock } = setup();
    provider.uploadErrors = [
      new JobGateError('PROVIDER_ERROR', 'HTTP 503', { kind: 'transient', providerCode: 503 }),
    ];
    const queued = await submit(1);
    expect(queued).toMatchObject({ status: 'queued', errorCode: 'PROVIDER_UPLOAD' });
    // The second file made it: only the first is sent again.
    expect(Object.keys(queued.providerInput ?? {})).toEqual(['clothing']);
    await clock.advance(3_500);
    expect((await store.get(uuid(1)))?.status).toBe('running');
    expect(provider.uploads.map((u) => u.field)).toEqual(['clothing', 'person']);
  });

  it('a runner with file tools and no storage refuses to start (a path would reach the provider)', () => {
    const { store, provider, clock } = setup();
    expect(() => new JobRunner({ store, provider, tools: [tryOn], clock })).toThrow(
      /tool try-on has file fields \(person, clothing\).*storage/,
    );
  });
});
