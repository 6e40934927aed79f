import { withinStoreDeadline } from '@jobgate/core/adapter';
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
        // A read route answers within one deadline, however many store calls it makes.
        response = await (route.readOnly
          ? withinStoreDeadline(answer, readDeadlineMs, `${request.method} ${path}`)
          : answer);
      }
    } catch (error) {
      response = guard.refuse(error, { method: request.method, path });
    }
    return guard.finish(request, response);
  };
}

/** The default of `readDeadlineMs`: one store call's deadline (5 s) and a little more. */
export const DEFAULT_READ_DEADLINE_MS = 6_000;
