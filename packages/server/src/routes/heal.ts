import { jsonResponse } from '../jsonResponse.js';
import type { RouteContext } from './routeContext.js';

/**
 * `POST /heal` (service credentials): one heal pass, for a cron such as pg_cron. Also served
 * at its old path `POST /maintenance` (deprecated).
 */
export async function heal(ctx: RouteContext<'service'>): Promise<Response> {
  // Read (and bound) the body even though it carries nothing.
  await ctx.json();
  return jsonResponse({ report: await ctx.runner.heal() });
}
