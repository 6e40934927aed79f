import { DEFAULT_POOL, JobGateError } from '@jobgate/core';
import type { AuthContext } from '../authenticator.js';
import { jsonResponse } from '../jsonResponse.js';
import { queueView } from '../queueView.js';
import type { RouteContext } from './routeContext.js';

const isService = (who: AuthContext): boolean => who.role === 'service';

/** `GET /queue?pool=`: the whole queue for an operator, the caller's own jobs in it for a user. */
export async function queue(ctx: RouteContext<'signedIn'>): Promise<Response> {
  const who = ctx.caller;
  const operator = (ctx.options.isOperator ?? isService)(who);
  if (!operator && (who.role !== 'user' || !who.userId)) {
    throw new JobGateError('FORBIDDEN', 'this route is for signed-in users and operators');
  }
  await ctx.limit('read');
  const pool = ctx.pool() ?? DEFAULT_POOL;
  return jsonResponse(await queueView(ctx.runner, pool, operator ? null : who.userId));
}
