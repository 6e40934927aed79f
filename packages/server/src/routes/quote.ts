import { z } from 'zod';
import { jsonResponse } from '../jsonResponse.js';
import type { RouteContext } from './routeContext.js';

const quoteSchema = z.object({ tool: z.string().min(1).max(64), input: z.unknown() });

/**
 * `POST /quote` with `{ tool, input }`: what a job of that tool with that input costs, from
 * the server's tool registry, so a page shows the price before Run. Writes nothing.
 */
export async function quote(ctx: RouteContext<'user'>): Promise<Response> {
  await ctx.limit('read');
  const body = ctx.validate(quoteSchema, await ctx.json());
  return jsonResponse(await ctx.runner.quote(body.tool, body.input));
}
