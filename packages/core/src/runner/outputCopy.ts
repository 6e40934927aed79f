import { extensionFor, SNIFF_BYTES, sniffContentType } from '../domain/contentType.js';
import { JobGateError, type ProviderErrorKind } from '../domain/errors.js';
import { OUTPUT_FILE_PREFIX } from '../domain/fileFields.js';
import type { Job, JsonObject, JsonValue } from '../domain/job.js';
import { outputFileUrls } from '../domain/outputFile.js';
import type { FileStorage } from '../ports/fileStorage.js';
import { uploadPath } from '../ports/uploader.js';

/** One result file as jobgate keeps it (`output.storedFiles`). */
export interface StoredOutputFile {
  /** `{tool}/{userId}/{jobId}/output-N.ext`. */
  path: string;
  /** Read from the file's bytes. */
  contentType: string;
  size: number;
}

const SCHEMES = new Set(['https:', 'http:', 'data:']);

/** True for the path of a result file jobgate stored for this job. */
export function isStoredOutput(path: string, job: Pick<Job, 'tool' | 'userId' | 'id'>): boolean {
  return path.startsWith(`${job.tool}/${job.userId}/${job.id}/${OUTPUT_FILE_PREFIX}`);
}

/**
 * Copies a finished job's result files into the app's storage before the job completes, since
 * the provider's URLs expire: each URL of `output.files` is streamed (never held whole in
 * memory) to `{tool}/{userId}/{jobId}/output-N.ext`, its type read from its first bytes, at
 * most `maxBytes` each. Resolves with the output to keep: the provider's fields, every copied
 * URL replaced by its storage path, and `storedFiles`. Throws STORAGE_ERROR: kind `invalid`
 * when a retry cannot help (a file over `maxBytes`, a URL that is not http(s) or data), else
 * `transient` (a download cut half-way, a storage that did not answer): the job then stays
 * running and the copy is tried again when heal next asks the provider.
 */
export async function copyOutputs(
  storage: FileStorage,
  job: Pick<Job, 'tool' | 'userId' | 'id'>,
  output: JsonValue | null,
  options: { maxBytes: number; signal: AbortSignal },
): Promise<JsonValue | null> {
  const urls = outputFileUrls(output);
  if (urls.length === 0 || urls.every((url) => isStoredOutput(url, job))) return output;
  const stored: StoredOutputFile[] = [];
  for (const [i, url] of urls.entries()) {
    stored.push(
      isStoredOutput(url, job)
        ? { path: url, contentType: 'application/octet-stream', size: 0 }
        : await copyOne(storage, job, url, i + 1, options),
    );
  }
  const paths = new Map(urls.map((url, i) => [url, stored[i]!.path]));
  const kept = replaceStrings(output, paths) as JsonObject;
  return {
    ...kept,
    files: stored.map((s) => s.path),
    storedFiles: stored.map((s) => ({ ...s })),
  };
}

function copyError(
  message: string,
  kind: ProviderErrorKind,
  job: Pick<Job, 'id'>,
  n: number,
  cause?: unknown,
): JobGateError {
  return new JobGateError('STORAGE_ERROR', message, {
    jobId: job.id,
    kind,
    cause,
    details: { operation: 'copy-output', file: n },
  });
}

async function copyOne(
  storage: FileStorage,
  job: Pick<Job, 'tool' | 'userId' | 'id'>,
  url: string,
  n: number,
  options: { maxBytes: number; signal: AbortSignal },
): Promise<StoredOutputFile> {
  const { maxBytes, signal } = options;
  let scheme = '';
  try {
    scheme = new URL(url).protocol;
  } catch {
    // not a URL: refused below
  }
  if (!SCHEMES.has(scheme)) {
    throw copyError(`result file ${n} has no http(s) URL to copy from`, 'invalid', job, n);
  }
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: 'follow' });
  } catch (cause) {
    throw copyError(`result file ${n} could not be downloaded`, 'transient', job, n, cause);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    throw copyError(
      `result file ${n} could not be downloaded (HTTP ${response.status})`,
      'transient',
      job,
      n,
    );
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body.cancel().catch(() => undefined);
    throw tooLarge(job, n, maxBytes);
  }
  const reader = response.body.getReader();
  let sourceError: unknown;
  let size = 0;
  let head: Uint8Array;
  try {
    head = await peek(reader, SNIFF_BYTES);
  } catch (cause) {
    throw copyError(`result file ${n} was cut off while downloading`, 'transient', job, n, cause);
  }
  const contentType = sniffContentType(head, { svg: true }) ?? 'application/octet-stream';
  const path = uploadPath({
    tool: job.tool,
    userId: job.userId,
    jobId: job.id,
    name: `${OUTPUT_FILE_PREFIX}${n}.${extensionFor(contentType)}`,
  });
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      size = head.byteLength;
      if (size > maxBytes) {
        sourceError = tooLarge(job, n, maxBytes);
        controller.error(sourceError);
      } else if (size > 0) controller.enqueue(head);
    },
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        size += value.byteLength;
        if (size > maxBytes) {
          sourceError = tooLarge(job, n, maxBytes);
          await reader.cancel().catch(() => undefined);
          return controller.error(sourceError);
        }
        controller.enqueue(value);
      } catch (cause) {
        sourceError = copyError(
          `result file ${n} was cut off while downloading`,
          'transient',
          job,
          n,
          cause,
        );
        controller.error(sourceError);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  try {
    if (head.byteLength === 0) throw copyError(`result file ${n} is empty`, 'transient', job, n);
    await storage.write(path, body, { contentType, signal });
  } catch (cause) {
    await reader.cancel().catch(() => undefined);
    if (sourceError instanceof JobGateError) throw sourceError;
    if (cause instanceof JobGateError && cause.details?.operation === 'copy-output') throw cause;
    throw copyError(`result file ${n} could not be stored`, 'transient', job, n, cause);
  }
  return { path, contentType, size };
}

function tooLarge(job: Pick<Job, 'id'>, n: number, maxBytes: number): JobGateError {
  return copyError(`result file ${n} is larger than ${maxBytes} bytes`, 'invalid', job, n);
}

/** Reads until at least `bytes` arrived or the stream ended; resolves with what arrived. */
async function peek(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  bytes: number,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  while (length < bytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** The JSON value with every string that `map` names replaced (a URL by its stored path). */
function replaceStrings(
  value: JsonValue | null,
  map: ReadonlyMap<string, string>,
): JsonValue | null {
  if (typeof value === 'string') return map.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => replaceStrings(v, map) as JsonValue);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, replaceStrings(v, map) as JsonValue]),
    );
  }
  return value;
}
