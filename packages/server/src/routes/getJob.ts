import { jsonResponse } from '../jsonResponse.js';
import type { RouteContext } from './routeContext.js';

/** `GET /jobs/:id`: the caller's own job; someone else's is indistinguishable from a missing one. */
export async function getJob(ctx: RouteContext<'user'>): Promise<Response> {
  await ctx.limit('read');
  const jobId = ctx.jobId();
  return jsonResponse({ job: await ctx.runner.get(jobId, ctx.caller.userId) });
}
