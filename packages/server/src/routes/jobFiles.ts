import { jsonResponse } from '../jsonResponse.js';
import type { RouteContext } from './routeContext.js';

/**
 * `GET /jobs/:id/files`: the result files of the caller's job, each with a short-lived signed
 * URL (`[]` until it has results); someone else's job is NOT_FOUND, like a missing one.
 */
export async function jobFiles(ctx: RouteContext<'user'>): Promise<Response> {
  await ctx.limit('read');
  const jobId = ctx.jobId();
  return jsonResponse({ files: await ctx.runner.outputFiles(jobId, ctx.caller.userId) });
}
