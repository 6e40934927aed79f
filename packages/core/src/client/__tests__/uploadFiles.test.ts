import { describe, expect, it } from 'vitest';
import type { Uploader, UploadRequest } from '../../ports/uploader.js';
import { type UploadFilesRequest, uploadFiles } from '../uploadFiles.js';

function recordingUploader(fail?: string) {
  const calls: UploadRequest[] = [];
  const removed: string[][] = [];
  const uploader: Uploader = {
    async upload(request, options) {
      calls.push(request);
      options?.onProgress?.(0.5);
      await Promise.resolve();
      if (request.name.startsWith(fail ?? '\0')) throw new Error('bucket is full');
      return { path: `${request.tool}/${request.userId}/${request.jobId}/${request.name}` };
    },
    async remove(paths) {
      removed.push([...paths]);
    },
  };
  return { uploader, calls, removed };
}

function request(overrides: Partial<UploadFilesRequest>): UploadFilesRequest {
  return {
    tool: 'veste-ai',
    jobId: 'j1',
    userId: 'u1',
    files: {},
    signal: undefined,
    onProgress: () => {},
    current: () => true,
    ...overrides,
  };
}

describe('uploadFiles', () => {
  it('names each file after its field, with the extension of its name or else its type', async () => {
    const { uploader, calls } = recordingUploader();
    const paths = await uploadFiles(
      request({
        uploader,
        userId: async () => 'u9',
        files: {
          photo: new File([new Uint8Array(4)], 'Me.JPEG', { type: 'image/jpeg' }),
          mask: new Blob([new Uint8Array(2)], { type: 'image/webp' }),
          raw: { data: new Uint8Array(3), name: 'noext' },
        },
      }),
    );
    expect(paths).toEqual({
      photo: 'veste-ai/u9/j1/photo.jpeg',
      mask: 'veste-ai/u9/j1/mask.webp',
      raw: 'veste-ai/u9/j1/raw',
    });
    expect(calls.map((c) => c.contentType)).toEqual([
      'image/jpeg',
      'image/webp',
      'application/octet-stream',
    ]);
  });

  it('reports the share of all bytes sent, ending at 1', async () => {
    const { uploader } = recordingUploader();
    const progress: number[] = [];
    await uploadFiles(
      request({
        uploader,
        files: { a: new Blob([new Uint8Array(300)]), b: new Blob([new Uint8Array(100)]) },
        onProgress: (fraction) => progress.push(fraction),
      }),
    );
    expect(progress.slice(0, 2)).toEqual([0.375, 0.5]);
    expect(progress.at(-1)).toBe(1);
  });

  it('refuses before sending anything: no uploader, no user id, an unsafe path', async () => {
    const { uploader, calls } = recordingUploader();
    const files = { a: new Blob(['x']) };
    await expect(uploadFiles(request({ files }))).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(
      uploadFiles(request({ uploader, files, userId: () => null })),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED', jobId: 'j1' });
    await expect(
      uploadFiles(request({ uploader, files: { a: new Blob(['x']), '../b': new Blob(['y']) } })),
    ).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(calls).toEqual([]);
  });

  it('a failed upload ends STORAGE_ERROR and removes the files that made it, unless the run is over', async () => {
    const files = { a: new Blob(['x']), b: new Blob(['y']) };
    const first = recordingUploader('b');
    await expect(uploadFiles(request({ uploader: first.uploader, files }))).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
      jobId: 'j1',
    });
    expect(first.removed).toEqual([['veste-ai/u1/j1/a']]);
    const second = recordingUploader('b');
    await expect(
      uploadFiles(request({ uploader: second.uploader, files, current: () => false })),
    ).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
    expect(second.removed).toEqual([]);
  });
});
