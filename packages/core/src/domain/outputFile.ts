import type { JsonValue } from './job.js';

/** A result file of a job and a URL to show or download it (`GET /jobs/:id/files`). */
export interface OutputFile {
  /** Its storage path, or null for a result jobgate did not store (the provider's own URL). */
  path: string | null;
  /** A signed URL (valid until `expiresAt`), or the provider's URL for an unstored result. */
  url: string;
  /** Read from the file's bytes; null where unknown. */
  contentType: string | null;
  size: number | null;
  /** When `url` stops working; null where unknown (a provider's URL). */
  expiresAt: string | null;
}

/**
 * The result files of a job's output: the strings of `output.files` (a provider's URLs, or
 * the storage paths jobgate copied them to), or none.
 */
export function outputFileUrls(output: JsonValue | null | undefined): string[] {
  const files = (output as { files?: unknown } | null)?.files;
  return Array.isArray(files) ? files.filter((f): f is string => typeof f === 'string') : [];
}
