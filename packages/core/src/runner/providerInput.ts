import { JobGateError, toJobGateError } from '../domain/errors.js';
import type { Job, JsonObject } from '../domain/job.js';
import type { AnyTool } from '../domain/tool.js';
import type { FileStorage } from '../ports/fileStorage.js';
import type { RunnerContext } from './runnerContext.js';

/** How long a signed URL handed to a provider that fetches its inputs stays valid. */
const PROVIDER_URL_SECONDS = 3_600;

/** What the file fields of a job became at the provider, and why the rest did not. */
export interface ProviderInput {
  /** The job's input with every file field the provider received replaced by its value. */
  input: JsonObject;
  /** The file fields the provider has (earlier attempts' and this one's). */
  received: JsonObject;
  /** The first failure, if a file could not be handed over. */
  error: JobGateError | null;
}

/**
 * The input a provider start gets: each file field of the tool holds a storage path (checked
 * at submit to be this job's own), and is replaced by what the provider made of the file —
 * read from the app's storage and handed to `Provider.upload`. Fields the provider received
 * in an earlier attempt (`job.providerInput`) are not sent again. Never throws: a file that
 * could not be read or uploaded is `error` (STORAGE_ERROR, PAYLOAD_TOO_LARGE or
 * PROVIDER_UPLOAD, with the kind that says whether a retry can help), beside what did arrive.
 */
export async function providerInputOf(
  ctx: RunnerContext,
  job: Job,
  tool: AnyTool,
  signal: AbortSignal,
): Promise<ProviderInput> {
  const fields = tool.files.filter((field) => typeof job.input[field] === 'string');
  const received: JsonObject = { ...(job.providerInput ?? {}) };
  const missing = fields.filter((field) => typeof received[field] !== 'string');
  if (missing.length === 0 || !ctx.storage) {
    return { input: { ...job.input, ...pick(received, fields) }, received, error: null };
  }
  const storage = ctx.storage;
  const results = await Promise.allSettled(
    missing.map(async (field) => {
      received[field] = await handOver(ctx, storage, job, field, signal);
    }),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  return {
    input: { ...job.input, ...pick(received, fields) },
    received,
    error: failed ? toJobGateError(failed.reason, 'PROVIDER_UPLOAD', job.id) : null,
  };
}

async function handOver(
  ctx: RunnerContext,
  storage: FileStorage,
  job: Job,
  field: string,
  signal: AbortSignal,
): Promise<string> {
  const path = job.input[field] as string;
  let stored: Awaited<ReturnType<FileStorage['read']>>;
  try {
    stored = await storage.read(path, signal);
  } catch (error) {
    const err = toJobGateError(error, 'STORAGE_ERROR', job.id);
    throw new JobGateError('STORAGE_ERROR', `the input file ${field} could not be read`, {
      jobId: job.id,
      kind: err.kind ?? 'transient',
      cause: err,
      details: { field, path, operation: 'read' },
    });
  }
  let value: unknown;
  try {
    value = await ctx.provider.upload(
      {
        field,
        name: path.slice(path.lastIndexOf('/') + 1),
        contentType: stored.contentType,
        size: stored.size,
        blob: () => stored.blob(),
        url: () => storage.signedUrl(path, PROVIDER_URL_SECONDS),
      },
      signal,
    );
  } catch (error) {
    const err = toJobGateError(error, 'PROVIDER_UPLOAD', job.id);
    if (err.code === 'PAYLOAD_TOO_LARGE') throw err;
    throw new JobGateError(
      'PROVIDER_UPLOAD',
      `the input file ${field} could not be sent to the provider`,
      {
        jobId: job.id,
        kind: err.kind ?? 'transient',
        providerCode: err.providerCode,
        retryAfterMs: err.retryAfterMs,
        cause: err,
        details: { field, operation: 'upload' },
      },
    );
  }
  if (typeof value !== 'string' || value.length === 0) {
    throw new JobGateError('PROVIDER_UPLOAD', `the provider gave no reference for ${field}`, {
      jobId: job.id,
      kind: 'fatal',
      details: { field, operation: 'upload' },
    });
  }
  return value;
}

function pick(values: JsonObject, fields: readonly string[]): JsonObject {
  return Object.fromEntries(fields.flatMap((f) => (f in values ? [[f, values[f]!]] : [])));
}
