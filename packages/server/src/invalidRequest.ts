import { JobGateError } from '@jobgate/core';
import type { z } from 'zod';

/** The VALIDATION error of a request zod refused, naming its first five issues. */
export function invalidRequest(error: z.ZodError): JobGateError {
  const issues = error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
    .join('; ');
  return new JobGateError('VALIDATION', `invalid request: ${issues}`);
}
