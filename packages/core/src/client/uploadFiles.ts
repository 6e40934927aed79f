import { JobGateError, toJobGateError } from '../domain/errors.js';
import { type UploadRequest, uploadPath } from '../ports/uploader.js';
import type { JobClientOptions } from './jobClientOptions.js';
import { noop } from './jobHelpers.js';

/** A file for an input field: a Blob/File, or bytes with a name and type. */
export type ClientFile =
  | Blob
  | { data: Blob | Uint8Array; name?: string | undefined; contentType?: string | undefined };

export interface UploadFilesRequest extends Pick<JobClientOptions, 'uploader' | 'userId'> {
  tool: string;
  jobId: string;
  files: Readonly<Record<string, ClientFile>>;
  signal: AbortSignal | undefined;
  /** The share of all bytes sent so far, 0..1. */
  onProgress(fraction: number): void;
  /** False once the run was reset or replaced: its files are then left alone. */
  current(): boolean;
}

/**
 * The upload step of the flow: every file goes to `{tool}/{userId}/{jobId}/{field}.{ext}`
 * at once, and the field gets the storage path. Rejects with a JobGateError: VALIDATION
 * (no uploader, an unsafe path, checked before anything is sent), UNAUTHENTICATED (no
 * user id), or STORAGE_ERROR when an upload failed, after removing the files that made it.
 */
export async function uploadFiles(request: UploadFilesRequest): Promise<Record<string, string>> {
  const { uploader, tool, jobId, files, signal } = request;
  if (!uploader) throw new JobGateError('VALIDATION', 'files need an uploader', { jobId });
  const source = request.userId;
  const userId = typeof source === 'function' ? await source() : source;
  if (!userId) {
    throw new JobGateError('UNAUTHENTICATED', 'no user id for the upload path', { jobId });
  }
  const entries = Object.entries(files).map(([field, file]) => {
    const blobLike = isBlob(file);
    const data = blobLike ? file : file.data;
    const given = blobLike ? (file as { name?: unknown }).name : file.name;
    const contentType =
      (blobLike ? file.type : file.contentType) ||
      (isBlob(data) ? data.type : '') ||
      'application/octet-stream';
    const name = `${field}${extension(typeof given === 'string' ? given : '', contentType)}`;
    const upload: UploadRequest = { tool, userId, jobId, name, contentType, data };
    // Validates every segment before anything is sent.
    uploadPath(upload);
    return { field, upload, size: isBlob(data) ? data.size : data.byteLength };
  });
  const total = entries.reduce((sum, e) => sum + e.size, 0) || 1;
  const sent = entries.map(() => 0);
  const report = () => request.onProgress(Math.min(1, sent.reduce((a, b) => a + b, 0) / total));
  const paths: string[] = [];
  const results = await Promise.allSettled(
    entries.map(async (entry, i) => {
      const result = await uploader.upload(entry.upload, {
        ...(signal ? { signal } : {}),
        onProgress: (fraction) => {
          sent[i] = Math.max(0, Math.min(1, fraction)) * entry.size;
          report();
        },
      });
      paths.push(result.path);
      sent[i] = entry.size;
      report();
      return [entry.field, result.path] as const;
    }),
  );
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    // No job will ever point at these.
    if (paths.length > 0 && request.current()) uploader.remove(paths).catch(noop);
    throw toJobGateError(failed.reason, 'STORAGE_ERROR', jobId);
  }
  return Object.fromEntries(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])));
}

function isBlob(value: unknown): value is Blob {
  return typeof Blob !== 'undefined' && value instanceof Blob;
}

/** `.png` from the file name, else from the content type (`image/webp` → `.webp`), else none. */
function extension(name: string, contentType: string): string {
  const ext =
    /\.([A-Za-z0-9]{1,8})$/.exec(name)?.[1] ?? /^\w+\/([a-z0-9]{1,8})$/.exec(contentType)?.[1];
  return ext ? `.${ext.toLowerCase()}` : '';
}
