import { JobGateError, toJobGateError } from '../domain/errors.js';
import { checkFileFields } from '../domain/fileFields.js';
import { jobIdSchema, type NewJob } from '../domain/job.js';
import type { AnyTool, ToolRegistry } from '../domain/tool.js';

export interface SubmitRequest {
  /** Client-chosen UUID: the idempotency key. */
  jobId: string;
  tool: string;
  /** From the verified auth token, never from a request body. */
  userId: string;
  input: unknown;
}

/**
 * The job a submit asks for, checked before anything is written: a request refused here
 * leaves no row behind (VALIDATION, UNAUTHENTICATED). Its input matches the tool's schema,
 * and each file field holds a file uploaded for this job by this user (checkFileFields).
 */
export async function parseSubmitRequest(
  tools: ToolRegistry,
  request: SubmitRequest,
): Promise<{ tool: AnyTool; job: NewJob }> {
  const { jobId, userId } = request;
  if (!jobIdSchema.safeParse(jobId).success) {
    throw new JobGateError('VALIDATION', 'jobId must be a UUID');
  }
  if (typeof userId !== 'string' || userId.length === 0) {
    throw new JobGateError('UNAUTHENTICATED', 'no user', { jobId });
  }
  let tool: AnyTool;
  try {
    tool = tools.get(request.tool);
  } catch (error) {
    throw toJobGateError(error, 'VALIDATION', jobId);
  }
  let input: Awaited<ReturnType<AnyTool['parse']>>;
  let price: number;
  try {
    input = await tool.parse(request.input);
    checkFileFields(tool, input, { tool: tool.id, userId, jobId });
    price = tool.price(input);
  } catch (error) {
    throw toJobGateError(error, 'VALIDATION', jobId);
  }
  return {
    tool,
    job: { id: jobId, tool: tool.id, userId, pool: tool.pool, input, userCreditCost: price },
  };
}
