import { type AnyTool, defineTool, type Job, JobGateError } from '@jobgate/core';
import { jobRecord } from '@jobgate/core/adapter';
import { z } from 'zod';
import type { RunningHubToolConfig } from '../runningHubToolConfig.js';

export const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** A job row as the runner hands it to the provider. */
export function jobFor(tool: AnyTool, input: Record<string, unknown>, n = 1): Job {
  const now = Date.UTC(2026, 0, 1);
  const row = jobRecord(
    {
      id: uuid(n),
      tool: tool.id,
      userId: 'u',
      pool: 'default',
      input: input as Job['input'],
      userCreditCost: 0,
    },
    now,
  );
  return { ...row, status: 'running', startedAt: row.createdAt };
}

const promptInput = z.object({ prompt: z.string() }).strict();

/** A workflow tool (the example tools are all AI apps). */
export const workflowTool = defineTool<
  typeof promptInput,
  RunningHubToolConfig<z.infer<typeof promptInput>>
>({
  id: 'txt2img',
  input: promptInput,
  creditCost: 10,
  maxRunMs: 60_000,
  provider: {
    addMetadata: false,
    target: (input) => ({
      workflowId: '1904136902449209346',
      nodeInfoList: [{ nodeId: '6', fieldName: 'text', fieldValue: input.prompt }],
    }),
  },
});

export const unmappedTool = defineTool({
  id: 'unmapped',
  input: promptInput,
  creditCost: 0,
  maxRunMs: 60_000,
});

/** Resolves with the rejection of `promise` (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<JobGateError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof JobGateError) return error;
    throw new Error(`expected a JobGateError, got ${String(error)}`);
  }
  throw new Error('expected a rejection');
}
