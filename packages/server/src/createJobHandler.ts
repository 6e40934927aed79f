import { JobGateError, STORE_RETRY_AFTER_MS } from '@jobgate/core';
import { createGuard } from './createGuard.js';
import type { JobHandler, JobHandlerOptions } from './jobHandlerOptions.js';
import { matchRoute, normaliseBase, stripBase } from './matchRoute.js';
import { routeTable } from './routes/routeTable.js';

/**
 * The jobgate HTTP API as one fetch handler (Request → Response): mount it in `Deno.serve`
 * (Supabase Edge Functions), Bun.serve, or Node through `@jobgate/server/node`.
 *
 * The handler only routes and guards; each route is a function of its context in routes/.
 * The guard on every route: CORS and preflight, authentication, a per-user rate limit, a
 * bounded, safe JSON body, zod validation, errors as
 * `{ error: { code, message, jobId?, requestId } }` with the status of the code (internals
 * go to the logger, never to the client). POST /jobs checks the job id first: a repeated id
 * is answered with that job as it is, before any limit, so a refused duplicate never touches
 * the original. A refused request writes no row; a job the request created is terminal
 * before an error answer (the runner's fail-safe), so no request can leave a job waiting.
 */
export function createJobHandler(options: JobHandlerOptions): JobHandler {
  const guard = createGuard(options);
  const basePath = normaliseBase(options.basePath ?? '');
  const readDeadlineMs = options.readDeadlineMs ?? DEFAULT_READ_DEADLINE_MS;

  return async (request: Request): Promise<Response> => {
    let path = '';
    let response: Response;
    try {
      const url = new URL(request.url);
      path = stripBase(url.pathname, basePath);
      if (request.method === 'OPTIONS') {
        response = guard.preflight(request);
      } else {
        const { route, params } = matchRoute(routeTable, request.method, path);
        const answer = guard.enter(route, { request, url, params }).then((ctx) => route.run(ctx));
        response = await (route.readOnly ? withinDeadline(answer, readDeadlineMs) : answer);
      }
    } catch (error) {
      response = guard.refuse(error, { method: request.method, path });
    }
    return guard.finish(request, response);
  };
}

/** The default of `readDeadlineMs`: one store call's deadline (5 s) and a little more. */
export const DEFAULT_READ_DEADLINE_MS = 6_000;

/**
 * A read route's answer within one deadline, however many store calls it makes in sequence
 * (each has its own, longer in sum): past it, 503 STORE_UNAVAILABLE with Retry-After.
 */
function withinDeadline(answer: Promise<Response>, ms: number): Promise<Response> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new JobGateError('STORE_UNAVAILABLE', `the data did not answer within ${ms} ms`, {
            retryAfterMs: STORE_RETRY_AFTER_MS,
          }),
        ),
      ms,
    );
  });
  answer.catch(() => undefined);
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}
