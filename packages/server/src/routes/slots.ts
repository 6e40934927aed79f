import { jsonResponse } from '../jsonResponse.js';
import type { RouteContext } from './routeContext.js';

/** `GET /slots?pool=`: the pool's cap, running and queued counts. */
export async function slots(ctx: RouteContext<'user'>): Promise<Response> {
  await ctx.limit('read');
  return jsonResponse(await ctx.runner.slots(ctx.pool()));
}
