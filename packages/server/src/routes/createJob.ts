import { toJobGateError } from '@jobgate/core';
import { jobIdSchema } from '@jobgate/core/adapter';
import { z } from 'zod';
import { invalidRequest } from '../invalidRequest.js';
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
 * the job id the caller sent. The body is parsed once: its id is looked up when well formed,
 * even if the rest of the body is not, and a malformed body is refused after the limit. The
 * runner checks the request again for every caller (its submit is the API).
 */
export async function createJob(ctx: RouteContext<'user'>): Promise<Response> {
  const userId = ctx.caller.userId;
  const body = await ctx.json();
  const parsed = submitSchema.safeParse(body);
  const jobId = parsed.success ? parsed.data.jobId : wellFormedId(body, parsed.error);
  try {
    if (jobId !== undefined) {
      const existing = await ctx.runner.find(jobId, userId);
      if (existing) return jsonResponse({ job: existing });
    }
    await ctx.limit('submit');
    if (!parsed.success) throw invalidRequest(parsed.error);
    const job = await ctx.runner.submit({ ...parsed.data, userId });
    return jsonResponse({ job });
  } catch (error) {
    throw toJobGateError(error, 'INTERNAL', jobId);
  }
}

/** The body's `jobId` when the parse found nothing wrong with it, otherwise undefined. */
function wellFormedId(body: unknown, error: z.ZodError): string | undefined {
  if (error.issues.some((issue) => issue.path[0] === 'jobId')) return undefined;
  const raw = typeof body === 'object' && body !== null ? (body as { jobId?: unknown }) : {};
  return typeof raw.jobId === 'string' ? raw.jobId : undefined;
}
