import { z } from 'zod';
import { jsonResponse } from '../jsonResponse.js';
import type { RouteContext } from './routeContext.js';

const cancelSchema = z.object({ confirm: z.boolean().optional() }).optional();

/** `POST /jobs/:id/cancel` with `{ confirm? }`: the runner decides what needs the confirmation. */
export async function cancelJob(ctx: RouteContext<'user'>): Promise<Response> {
  const jobId = ctx.jobId();
  await ctx.limit('cancel');
  const body = ctx.validate(cancelSchema, await ctx.json());
  const job = await ctx.runner.cancel({
    jobId,
    userId: ctx.caller.userId,
    confirm: body?.confirm === true,
  });
  return jsonResponse({ job });
}
