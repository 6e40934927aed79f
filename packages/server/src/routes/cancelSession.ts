import { jsonResponse } from '../jsonResponse.js';
import type { RouteContext } from './routeContext.js';

/** `POST /jobs/cancel-session`: cancels the caller's waiting jobs (a tab that closes). */
export async function cancelSession(ctx: RouteContext<'user'>): Promise<Response> {
  await ctx.limit('cancel');
  // Read (and bound) the body even though it carries nothing.
  await ctx.json();
  return jsonResponse({ jobs: await ctx.runner.cancelSession(ctx.caller.userId) });
}
