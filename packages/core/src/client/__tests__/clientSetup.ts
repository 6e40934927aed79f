import { sampleInputs } from '@jobgate/example-tools';
import type { Job } from '../../domain/job.js';
import type { Uploader } from '../../ports/uploader.js';
import { FakeClock } from '../../testing/fakeClock.js';
import { fetchTransport } from '../fetchTransport.js';
import { createJobClient } from '../jobClient.js';
import type { JobClientState } from '../jobClientState.js';
import { sseUpdates } from '../sseUpdates.js';
import { createFakeServer, flush, uuid } from './fakeServer.js';

export const baseUrl = 'http://jobgate.test/api';
export const input = { ...sampleInputs['veste-ai'] };

export async function until(check: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await flush(1);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function setup(
  options: {
    cap?: number;
    sse?: boolean;
    user?: string;
    uploader?: Uploader;
    /** Serve the tools with their file fields (see createFakeServer). */
    files?: boolean;
  } = {},
) {
  const server = createFakeServer({ cap: options.cap ?? 3, files: options.files ?? false });
  const clock = new FakeClock();
  const user = options.user ?? 'u1';
  const getToken = () => user;
  const transport = fetchTransport({ baseUrl, getToken, fetch: server.fetch, clock });
  const updates =
    options.sse === false
      ? undefined
      : sseUpdates({ baseUrl, getToken, fetch: server.fetch, clock, retryMs: 500, maxAttempts: 3 });
  const client = createJobClient({
    transport,
    ...(updates ? { updates } : {}),
    clock,
    poll: { intervalMs: 1_000, maxIntervalMs: 8_000 },
    ...(options.uploader ? { uploader: options.uploader, userId: user } : {}),
    generateId: (() => {
      let n = 100;
      return () => uuid(++n);
    })(),
  });
  const states: JobClientState[] = [];
  client.subscribe(() => states.push(client.getSnapshot()));
  const status = () => client.getSnapshot().status;
  return { server, clock, client, states, status, transport };
}

/** A job as the server would send it, for the tests of one module without a server. */
export function makeJob(overrides: Partial<Job> = {}): Job {
  return {
    id: 'j1',
    tool: 'veste-ai',
    userId: 'u1',
    pool: 'default',
    status: 'running',
    input: {},
    output: null,
    waitedInQueue: false,
    position: null,
    taskId: null,
    userCreditCost: 0,
    creditState: 'none',
    errorCode: null,
    errorMessage: null,
    progress: null,
    attempts: 0,
    providerInput: null,
    retryAt: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    queuedAt: null,
    startedAt: null,
    completedAt: null,
    updatedAt: '2026-01-01T00:00:01.000Z',
    ...overrides,
  };
}
