import type { Job } from '@jobgate/core';

/**
 * The browser-side ports of `@jobgate/core` (`packages/core/src/client/jobTransport.ts`),
 * restated structurally: anything implementing these implements core's `JobTransport` and
 * `JobUpdateSource`, without depending on an entry point of core that exports them.
 */
export interface JobTransport {
  active(signal?: AbortSignal): Promise<Job | null>;
  submit(
    request: { jobId: string; tool: string; input: unknown },
    signal?: AbortSignal,
  ): Promise<Job>;
  get(jobId: string, signal?: AbortSignal): Promise<Job>;
  cancel(jobId: string, options?: { confirm?: boolean }, signal?: AbortSignal): Promise<Job>;
}

export interface JobUpdateSource {
  subscribe(
    jobId: string,
    onJob: (job: Job) => void,
    onError: (error: unknown) => void,
  ): () => void;
}
