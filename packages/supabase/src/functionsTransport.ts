import {
  type Job,
  type JobGateError,
  JobGateError as JobGateErrorClass,
  toJobGateError,
} from '@jobgate/core';
import {
  errorFromResponse,
  type FetchTransport,
  type OutputFile,
  type QueueAnswer,
  type Quote,
  type SlotsAnswer,
} from '@jobgate/core/client';
import type { SupabaseClient } from '@supabase/supabase-js';

export interface FunctionsTransportOptions {
  /** The edge function that mounts `createJobHandler` (with `basePath: '/<name>'`). Default `jobgate`. */
  functionName?: string;
}

type InvokeResult = {
  data: unknown;
  error: unknown;
  response?: Response | undefined;
};

/**
 * The browser's way to the server routes through `supabase.functions.invoke` (the user's
 * session token goes along). Every failure becomes a typed JobGateError: the JSON error body
 * of a non-2xx answer is read (so "Edge Function returned a non-2xx status code" never hides
 * the real code), an HTML 502/504 page from a gateway maps to its status, relay and fetch
 * errors to NETWORK_ERROR. It has the same routes as `fetchTransport` (the pool routes for
 * `useSlots` / `useQueue`, cancel-session), so the same pages run on either.
 */
export function functionsTransport(
  client: Pick<SupabaseClient, 'functions'>,
  options: FunctionsTransportOptions = {},
): FetchTransport {
  const name = (options.functionName ?? 'jobgate').replace(/^\/+|\/+$/g, '');
  const call = async <T>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
    jobId?: string,
  ): Promise<T> => {
    let result: InvokeResult;
    try {
      result = (await client.functions.invoke(`${name}${path}`, {
        method,
        ...(body === undefined ? {} : { body: body as Record<string, unknown> }),
        ...(signal ? { signal } : {}),
      })) as InvokeResult;
    } catch (error) {
      throw toJobGateError(error, 'NETWORK_ERROR', jobId);
    }
    if (result.error) throw await functionsError(result.error, jobId);
    let data = result.data;
    if (typeof data === 'string') {
      try {
        data = JSON.parse(data);
      } catch {
        throw new JobGateErrorClass('INTERNAL', 'the function answered something other than JSON', {
          jobId,
        });
      }
    }
    if (typeof data !== 'object' || data === null) {
      throw new JobGateErrorClass('INTERNAL', 'the function answered an empty body', { jobId });
    }
    return data as T;
  };
  const enc = encodeURIComponent;
  return {
    async active(signal) {
      return (await call<{ job: Job | null }>('GET', '/jobs/active', undefined, signal)).job;
    },
    async submit(request, signal) {
      const { job } = await call<{ job: Job }>(
        'POST',
        '/jobs',
        { jobId: request.jobId, tool: request.tool, input: request.input },
        signal,
        request.jobId,
      );
      return job;
    },
    async get(jobId, signal) {
      return (await call<{ job: Job }>('GET', `/jobs/${enc(jobId)}`, undefined, signal, jobId)).job;
    },
    async cancel(jobId, cancelOptions, signal) {
      const body = cancelOptions?.confirm === undefined ? {} : { confirm: cancelOptions.confirm };
      return (await call<{ job: Job }>('POST', `/jobs/${enc(jobId)}/cancel`, body, signal, jobId))
        .job;
    },
    async cancelSession(signal) {
      return (await call<{ jobs: Job[] }>('POST', '/jobs/cancel-session', {}, signal)).jobs;
    },
    async files(jobId, signal) {
      return (
        await call<{ files: OutputFile[] }>(
          'GET',
          `/jobs/${enc(jobId)}/files`,
          undefined,
          signal,
          jobId,
        )
      ).files;
    },
    quote: (tool, input, signal) => call<Quote>('POST', '/quote', { tool, input }, signal),
    slots: (signal) => call<SlotsAnswer>('GET', '/slots', undefined, signal),
    queue: (signal) => call<QueueAnswer>('GET', '/queue', undefined, signal),
  };
}

/**
 * A functions-js error as a JobGateError. FunctionsHttpError carries the Response in
 * `context`: its JSON `{ error: { code, message, jobId } }` is the real error; an HTML or text
 * body (a gateway's 502/504 page) maps by status. FunctionsRelayError and FunctionsFetchError
 * are NETWORK_ERROR (an aborted request is TIMEOUT).
 */
export async function functionsError(error: unknown, jobId?: string): Promise<JobGateError> {
  const name = (error as { name?: unknown } | null)?.name;
  const context = (error as { context?: unknown } | null)?.context;
  if (name === 'FunctionsHttpError' && context instanceof Response) {
    let text = '';
    try {
      text = await context.clone().text();
    } catch {
      text = '';
    }
    // The JSON error body when there is one (code, message, jobId, Retry-After), else a code
    // from the status: an HTML 502/504 page of a gateway says nothing more.
    const err = errorFromResponse(context, text, jobId);
    return err.jobId === undefined && jobId !== undefined ? err.withJob(jobId) : err;
  }
  if (name === 'FunctionsRelayError') {
    const status = context instanceof Response ? context.status : undefined;
    return new JobGateErrorClass(
      'NETWORK_ERROR',
      `the Supabase relay could not reach the function${status ? ` (${status})` : ''}`,
      { jobId, cause: error },
    );
  }
  if (name === 'FunctionsFetchError') {
    const inner = context as { name?: unknown } | undefined;
    if (inner?.name === 'AbortError' || inner?.name === 'TimeoutError') {
      return toJobGateError(context, 'TIMEOUT', jobId);
    }
    return new JobGateErrorClass('NETWORK_ERROR', 'the request to the function failed', {
      jobId,
      cause: error,
    });
  }
  return toJobGateError(error, 'NETWORK_ERROR', jobId);
}
