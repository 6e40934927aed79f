import { jobIdSchema, toJobGateError } from '@jobgate/core';
import { z } from 'zod';
import { jsonResponse } from '../jsonResponse.js';
import type { RouteContext } from './routeContext.js';

const submitSchema = z.object({
  jobId: jobIdSchema,
  tool: z.string().min(1).max(64),
  input: z.unknown(),
});

/**
 * `POST /jobs`: the job id is looked up first, so a repeated id (a double click, a retry) is
 * answered with that job as it is, whatever the limits say now, and nothing of it changes.
 * A new job is counted against the submit limit, validated, then submitted; an error names
 * the job id the caller sent.
 */
export async function submitJob(ctx: RouteContext<'user'>): Promise<Response> {
  const userId = ctx.caller.userId;
  const body = await ctx.json();
  const raw = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const jobId =
    typeof raw.jobId === 'string' && jobIdSchema.safeParse(raw.jobId).success
      ? raw.jobId
      : undefined;
  try {
    if (jobId !== undefined) {
      const existing = await ctx.runner.find(jobId, userId);
      if (existing) return jsonResponse({ job: existing });
    }
    await ctx.limit('submit');
    const parsed = ctx.validate(submitSchema, body);
    const job = await ctx.runner.submit({ ...parsed, userId });
    return jsonResponse({ job });
  } catch (error) {
    throw toJobGateError(error, 'INTERNAL', jobId);
  }
}
