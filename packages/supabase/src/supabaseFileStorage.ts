import { type FileStorage, JobGateError } from '@jobgate/core';
import {
  type FileWriteOptions,
  SNIFF_BYTES,
  type StoredFile,
  sniffContentType,
} from '@jobgate/core/adapter';
import type { SupabaseClient } from '@supabase/supabase-js';

export interface SupabaseFileStorageOptions {
  /**
   * The private Storage bucket the app's files live in: the browser's uploads
   * (`storageUploader`) and the results jobgate copies there.
   */
  bucket: string;
}

type Operation = 'read' | 'write' | 'sign' | 'remove';

/** What storage-js reports: `status` is the HTTP status, `statusCode` the one in the body. */
interface StorageErrorLike {
  status?: unknown;
  statusCode?: unknown;
  error?: unknown;
  message?: unknown;
}

const codeOf = (error: unknown): string => {
  const e = (error ?? {}) as StorageErrorLike;
  // Supabase Storage has answered HTTP 400 with the real code in the body's statusCode.
  return String(e.statusCode ?? e.status ?? '');
};
const textOf = (error: unknown): string => {
  const e = (error ?? {}) as StorageErrorLike;
  return `${typeof e.error === 'string' ? e.error : ''} ${typeof e.message === 'string' ? e.message : ''}`;
};
const isMissingBucket = (error: unknown): boolean => /bucket not found/i.test(textOf(error));
const isMissing = (error: unknown): boolean =>
  !isMissingBucket(error) &&
  (codeOf(error) === '404' || /not_found|NoSuchKey|object not found/i.test(textOf(error)));
const isAbort = (error: unknown): boolean =>
  (error as { name?: unknown } | null)?.name === 'AbortError' ||
  (error as { name?: unknown } | null)?.name === 'TimeoutError';
const isDuplicate = (error: unknown): boolean =>
  codeOf(error) === '409' || /duplicate|already exists/i.test(textOf(error));

/**
 * The app's FileStorage on Supabase Storage, for the edge function: give it a service-role
 * supabase-js client (it reads and writes every user's folder). Web-standard only, so it runs
 * in Deno and Node alike.
 *
 * - `read` downloads the object (one request; the Blob is held in memory, so inputs stay
 *   bounded by the bucket's file size limit); its type is read from its first bytes, else
 *   the one Storage recorded.
 * - `write` POSTs the ReadableStream itself to Storage's object endpoint (`duplex: 'half'`,
 *   never buffered whole), replacing a file there unless `ifAbsent` (then a file already
 *   there is CONFLICT). A body that errors half-way cuts the request, and Storage keeps
 *   nothing of it. On `signal`'s abort the body is cut and the call rejects at once.
 * - `signedUrl` is Storage's signed URL; `remove` ignores paths that are not there.
 *
 * Failures are STORAGE_ERROR: kind `invalid` for an object that is not there, `transient`
 * for anything else (a missing bucket included, with its name in the message). Storage's own
 * text is never the message; the error it gave is the `cause`.
 */
export function supabaseFileStorage(
  client: Pick<SupabaseClient, 'storage'>,
  options: SupabaseFileStorageOptions,
): FileStorage {
  const { bucket } = options;
  if (!bucket) throw new JobGateError('VALIDATION', 'supabaseFileStorage: give it a bucket');
  const files = () => client.storage.from(bucket);

  const fail = (operation: Operation, path: string, cause: unknown): JobGateError => {
    const details = { operation, path, bucket, status: codeOf(cause) || null };
    if (operation !== 'remove' && isMissing(cause)) {
      return new JobGateError('STORAGE_ERROR', `no file at ${path}`, {
        kind: 'invalid',
        cause,
        details: { ...details, reason: 'missing' },
      });
    }
    const what = { read: 'read', write: 'store', sign: 'sign a URL for', remove: 'remove' }[
      operation
    ];
    const why = isAbort(cause)
      ? ': aborted'
      : isMissingBucket(cause)
        ? `: the bucket "${bucket}" does not exist`
        : details.status
          ? ` (HTTP ${details.status})`
          : '';
    return new JobGateError('STORAGE_ERROR', `Supabase Storage could not ${what} ${path}${why}`, {
      kind: 'transient',
      cause,
      details,
    });
  };

  return {
    async read(path: string, signal?: AbortSignal): Promise<StoredFile> {
      let result: { data: Blob | null; error: unknown };
      try {
        result = await files().download(path, {}, signal ? { signal } : undefined);
      } catch (error) {
        throw fail('read', path, error);
      }
      const data = result.data;
      if (result.error || !data) throw fail('read', path, result.error);
      const head = new Uint8Array(await data.slice(0, SNIFF_BYTES).arrayBuffer());
      const recorded = data.type.split(';')[0]!.trim();
      const contentType =
        sniffContentType(head, { svg: true }) ?? (recorded || 'application/octet-stream');
      return {
        path,
        size: data.size,
        contentType,
        // A slice with the type: the same bytes, no copy.
        blob: async () => data.slice(0, data.size, contentType),
      };
    },

    async write(
      path: string,
      body: ReadableStream<Uint8Array>,
      writeOptions: FileWriteOptions,
    ): Promise<void> {
      const { signal } = writeOptions;
      if (signal?.aborted) {
        await body.cancel(signal.reason).catch(() => undefined);
        throw fail('write', path, signal.reason);
      }
      const upload = cuttable(body);
      // An abort cuts the body (fetch then ends the request) and rejects at once, even when
      // the body was sent and the answer is what is late.
      let rejectAborted: (reason: unknown) => void = () => undefined;
      const aborted = new Promise<never>((_, reject) => {
        rejectAborted = reject;
      });
      aborted.catch(() => undefined);
      const onAbort = () => {
        upload.cut(signal?.reason);
        rejectAborted(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        let result: { error: unknown };
        try {
          result = await Promise.race([
            files().upload(path, upload.stream, {
              contentType: writeOptions.contentType,
              upsert: writeOptions.ifAbsent !== true,
              duplex: 'half',
            }),
            aborted,
          ]);
        } catch (error) {
          result = { error };
        }
        if (upload.sourceError !== undefined) {
          // The body itself failed (a cut download): its own error says more than the fetch's.
          if (upload.sourceError instanceof JobGateError) throw upload.sourceError;
          throw fail('write', path, upload.sourceError);
        }
        if (!result.error) return;
        if (writeOptions.ifAbsent && isDuplicate(result.error)) {
          throw new JobGateError('CONFLICT', `a file is at ${path} already`, {
            cause: result.error,
            details: { path, bucket },
          });
        }
        throw fail('write', path, result.error);
      } catch (error) {
        // Storage may answer before reading the whole body (a 409, a 413): the source is freed.
        upload.cut(error);
        throw error;
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    },

    async signedUrl(path: string, expiresInSeconds: number): Promise<string> {
      let result: { data: { signedUrl: string } | null; error: unknown };
      try {
        result = await files().createSignedUrl(path, Math.max(1, Math.round(expiresInSeconds)));
      } catch (error) {
        throw fail('sign', path, error);
      }
      if (result.error || !result.data?.signedUrl) throw fail('sign', path, result.error);
      return result.data.signedUrl;
    },

    async remove(paths: readonly string[]): Promise<void> {
      if (paths.length === 0) return;
      let result: { error: unknown };
      try {
        result = await files().remove([...paths]);
      } catch (error) {
        throw fail('remove', paths.join(', '), error);
      }
      if (result.error) throw fail('remove', paths.join(', '), result.error);
    },
  };
}

/**
 * The body as a stream the upload reads chunk by chunk, which can be cut (an abort, an early
 * answer): cutting errors it, so fetch ends the request instead of finishing the file.
 * `sourceError` is set when the original body failed.
 */
function cuttable(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let finished = false;
  const state: { sourceError: unknown } = { sourceError: undefined };
  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      async pull(c) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          if (finished) return;
          finished = true;
          state.sourceError = error ?? new Error('the body failed');
          c.error(error);
          return;
        }
        if (finished) return;
        if (chunk.done) {
          finished = true;
          c.close();
        } else c.enqueue(chunk.value);
      },
      cancel(reason) {
        finished = true;
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return {
    stream,
    get sourceError() {
      return state.sourceError;
    },
    cut(reason: unknown) {
      if (finished) return;
      finished = true;
      controller?.error(reason);
      void reader.cancel(reason).catch(() => undefined);
    },
  };
}
