'use client';
import { type Job, type OutputFile, outputFileUrls } from '@jobgate/core/client';
import { useJobGateConfig } from './jobGateProvider.js';
import { type ServerValue, useServerValue } from './useServerValue.js';

/**
 * The result files of a completed job, each with a short-lived signed URL to show it
 * (`GET /jobs/:id/files`): `data` is null until the job completed with results and the
 * server answered. Call `refresh()` for fresh URLs when one expired (an `<img>` `onError`).
 */
export function useOutputFiles(job: Job | null | undefined): ServerValue<OutputFile[]> {
  const { transport } = useJobGateConfig();
  const ready = job?.status === 'completed' && outputFileUrls(job.output).length > 0;
  return useServerValue(ready ? job.id : null, (signal) => transport.files(job!.id, signal));
}
