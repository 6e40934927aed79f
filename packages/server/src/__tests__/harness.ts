import { type Job, JobRunner, type JobRunnerOptions, MemoryStore } from '@jobgate/core';
import { jobRecord } from '@jobgate/core/adapter';
import { FakeClock, MemoryFileStorage, SimulatedProvider } from '@jobgate/core/testing';
import { tools, uploadSampleInput } from '@jobgate/example-tools';
import { createJobHandler } from '../createJobHandler.js';
import type { JobHandlerOptions } from '../jobHandlerOptions.js';
import { MemoryRateLimiter } from '../rateLimiter.js';
import { staticTokenAuthenticator } from '../staticTokenAuthenticator.js';

export const WEBHOOK_SECRET = 'webhook-secret-0123456789';
export const USERS = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;
export const TOKENS = {
  alice: 'token-alice',
  bob: 'token-bob',
  carol: 'token-carol',
  dave: 'token-dave',
  erin: 'token-erin',
  service: 'token-service',
} as const;
/** The old app's phantom: `queued` without ever entering the queue. */
export function phantom(id: string, userId: string, tool: string, createdAt: number): Job {
  const row = jobRecord(
    { id, tool, userId, pool: 'default', input: {}, userCreditCost: 0 },
    createdAt,
  );
  return { ...row, status: 'queued' };
}

export const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

export const TOOL_IDS = ['upscaler', 'pose-changer', 'veste-ai', 'video-upscaler'] as const;
export type ToolId = (typeof TOOL_IDS)[number];

export function setup(
  overrides: Partial<JobHandlerOptions> = {},
  runnerOverrides: Partial<JobRunnerOptions> = {},
) {
  const clock = new FakeClock(Date.UTC(2026, 1, 1));
  const store = new MemoryStore();
  const provider = new SimulatedProvider({
    clock,
    seed: 3,
    startLatencyMs: [0, 0],
    durationMs: [600_000, 600_000],
  });
  // The example tools take files: the runner reads them from the storage the browser uploaded to.
  const storage = new MemoryFileStorage();
  const runner = new JobRunner({
    store,
    provider,
    tools,
    storage,
    clock,
    random: () => 0.5,
    webhook: { baseUrl: 'https://api.example.test', secret: WEBHOOK_SECRET },
    ...runnerOverrides,
  });
  const handler = createJobHandler({
    runner,
    auth: staticTokenAuthenticator({
      ...Object.fromEntries(USERS.map((u) => [TOKENS[u], u])),
      [TOKENS.service]: { role: 'service' },
    }),
    rateLimiter: new MemoryRateLimiter(),
    ...overrides,
  });
  const call = async (
    method: string,
    path: string,
    init: {
      token?: string | null;
      body?: unknown;
      raw?: BodyInit;
      headers?: Record<string, string>;
    } = {},
  ) => {
    const headers = new Headers(init.headers);
    const token = init.token === undefined ? TOKENS.alice : init.token;
    if (token !== null) headers.set('authorization', `Bearer ${token}`);
    let body: BodyInit | undefined = init.raw;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers.set('content-type', 'application/json');
    }
    const request = new Request(`https://api.example.test${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body, duplex: 'half' }),
    } as RequestInit);
    const response = await handler(request);
    const text = response.headers.get('content-type')?.includes('json')
      ? await response.text()
      : '';
    return {
      status: response.status,
      headers: response.headers,
      response,
      body: (text ? JSON.parse(text) : null) as {
        job?: Job | null;
        jobs?: Job[];
        error?: { code: string; message: string; jobId?: string };
        [key: string]: unknown;
      } | null,
    };
  };
  /** Every job of a user that is not terminal. */
  const activeOf = (userId: string) =>
    store
      .snapshot()
      .filter(
        (j) => j.userId === userId && !['completed', 'failed', 'cancelled'].includes(j.status),
      );
  /**
   * A valid input of `tool` for job `jobId` of `userId` (alice by default), its files
   * uploaded into the storage as the browser would: the only input a submit accepts.
   */
  const upload = (tool: ToolId, jobId: string, userId: string = 'alice') =>
    uploadSampleInput(storage, tool, { userId, jobId });
  return { clock, store, storage, provider, runner, handler, call, activeOf, upload };
}
