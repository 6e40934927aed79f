import { JobGateError } from '../domain/errors.js';

export interface UploadRequest {
  tool: string;
  userId: string;
  jobId: string;
  name: string;
  contentType: string;
  data: Blob | Uint8Array;
}

export interface UploadResult {
  /** Storage path: `{tool}/{userId}/{jobId}/{name}`. */
  path: string;
  /** A URL the provider can fetch, where the storage gives one. */
  url?: string;
}

/** Where input files go before the job is submitted. */
export interface Uploader {
  upload(
    request: UploadRequest,
    options?: { signal?: AbortSignal; onProgress?: (fraction: number) => void },
  ): Promise<UploadResult>;
  remove(paths: readonly string[]): Promise<void>;
}

const SAFE_SEGMENT = /^[A-Za-z0-9._-]{1,128}$/;

/** The standard path `{tool}/{userId}/{jobId}/{name}`; refuses segments that could escape it. */
export function uploadPath(
  request: Pick<UploadRequest, 'tool' | 'userId' | 'jobId' | 'name'>,
): string {
  const segments = [request.tool, request.userId, request.jobId, request.name];
  for (const segment of segments) {
    if (!SAFE_SEGMENT.test(segment) || segment === '.' || segment === '..') {
      throw new JobGateError('VALIDATION', `unsafe storage path segment "${segment.slice(0, 64)}"`);
    }
  }
  return segments.join('/');
}
