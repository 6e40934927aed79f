import { jsonResponse } from '../jsonResponse.js';
import type { RouteContext } from './routeContext.js';

/** `GET /jobs/active`: the caller's active job, or null (reading it heals a stale one). */
export async function activeJob(ctx: RouteContext<'user'>): Promise<Response> {
  await ctx.limit('read');
  return jsonResponse({ job: await ctx.runner.active(ctx.caller.userId) });
}
