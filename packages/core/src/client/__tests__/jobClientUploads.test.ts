import { describe, expect, it } from 'vitest';
import type { JobGateError } from '../../domain/errors.js';
import type { Uploader, UploadRequest } from '../../ports/uploader.js';
import type { MemoryFileStorage } from '../../testing/memoryFileStorage.js';
import { setup, until } from './clientSetup.js';
import { uuid } from './fakeServer.js';

describe('JobClient uploads', () => {
  /** Writes into the server's storage, where the runner reads the files for the provider. */
  function fakeUploader(fail?: string) {
    const calls: UploadRequest[] = [];
    const removed: string[][] = [];
    const into: { storage?: MemoryFileStorage } = {};
    const uploader: Uploader = {
      async upload(request, options) {
        calls.push(request);
        options?.onProgress?.(0.5);
        await Promise.resolve();
        if (request.name.startsWith(fail ?? '\0')) throw new Error('bucket is full');
        const path = `${request.tool}/${request.userId}/${request.jobId}/${request.name}`;
        const data =
          request.data instanceof Blob
            ? new Uint8Array(await request.data.arrayBuffer())
            : request.data;
        into.storage?.put(path, data, request.contentType);
        return { path };
      },
      async remove(paths) {
        removed.push([...paths]);
      },
    };
    return { uploader, calls, removed, into };
  }

  it('uploads inputs first under the job id, reports progress, and puts the paths into the input', async () => {
    const { uploader, calls, into } = fakeUploader();
    const { server, client, states, status } = setup({ uploader, files: true });
    into.storage = server.storage;
    const person = new File([new Uint8Array(300)], 'Me.PNG', { type: 'image/png' });
    const clothing = new Blob([new Uint8Array(100)], { type: 'image/webp' });
    const done = client.run('veste-ai', {}, { person, clothing });
    await until(() => status() === 'running');
    expect(calls.map((c) => c.name)).toEqual(['person.png', 'clothing.webp']);
    const progress = states.filter((s) => s.status === 'uploading').map((s) => s.progress);
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toContain(0.5);
    expect(server.requests.find((r) => r.path === '/jobs')?.body).toEqual({
      jobId: uuid(101),
      tool: 'veste-ai',
      input: {
        person: `veste-ai/u1/${uuid(101)}/person.png`,
        clothing: `veste-ai/u1/${uuid(101)}/clothing.webp`,
      },
    });
    await server.clock.advance(1_000);
    await done;
  });

  it('a failed upload ends STORAGE_ERROR, removes what was uploaded, submits nothing', async () => {
    const { uploader, removed, into } = fakeUploader('clothing');
    const { server, client } = setup({ uploader, files: true });
    into.storage = server.storage;
    const files = { person: new Blob(['a']), clothing: new Blob(['b']) };
    const error = await client.run('veste-ai', {}, files).catch((e: JobGateError) => e);
    expect(error).toMatchObject({ code: 'STORAGE_ERROR', jobId: uuid(101) });
    expect(removed).toEqual([[`veste-ai/u1/${uuid(101)}/person`]]);
    expect(server.count('POST', '/jobs')).toBe(0);
    expect(client.getSnapshot()).toMatchObject({ status: 'failed', isBusy: false });
  });

  it('cancel during the upload aborts it and returns to idle', async () => {
    let aborted = false;
    const uploader: Uploader = {
      upload: (_request, options) =>
        new Promise((_, reject) => {
          options?.signal?.addEventListener('abort', () => {
            aborted = true;
            reject(new DOMException('aborted', 'AbortError'));
          });
        }),
      remove: async () => {},
    };
    const { server, client, status } = setup({ uploader, files: true });
    const run = client.run('veste-ai', {}, { person: new Blob(['a']) });
    await until(() => status() === 'uploading');
    await client.cancel();
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED_BY_USER' });
    expect(aborted).toBe(true);
    expect(client.getSnapshot()).toMatchObject({ status: 'idle', isBusy: false });
    expect(server.count('POST', '/jobs')).toBe(0);
  });
});
