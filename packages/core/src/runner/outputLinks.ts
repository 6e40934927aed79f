import { isoAt, type Job } from '../domain/job.js';
import { type OutputFile, outputFileUrls } from '../domain/outputFile.js';
import { isStoredOutput, type StoredOutputFile } from './outputCopy.js';
import type { RunnerContext } from './runnerContext.js';

/** The result files of a job, each with a fresh signed URL where jobgate stored it. */
export async function outputLinks(ctx: RunnerContext, job: Job): Promise<OutputFile[]> {
  const urls = outputFileUrls(job.output);
  const info = new Map(
    (((job.output as { storedFiles?: unknown } | null)?.storedFiles ?? []) as StoredOutputFile[])
      .filter((f) => typeof f?.path === 'string')
      .map((f) => [f.path, f]),
  );
  const { storage, files, clock } = ctx;
  return Promise.all(
    urls.map(async (url): Promise<OutputFile> => {
      if (!storage || !isStoredOutput(url, job)) {
        return { path: null, url, contentType: null, size: null, expiresAt: null };
      }
      const stored = info.get(url);
      return {
        path: url,
        url: await storage.signedUrl(url, files.urlSeconds),
        contentType: stored?.contentType ?? null,
        size: stored?.size ?? null,
        expiresAt: isoAt(clock.now() + files.urlSeconds * 1_000),
      };
    }),
  );
}
