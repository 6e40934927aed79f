import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AnyTool,
  type Clock,
  type Job,
  JobGateError,
  JobRunner,
  MemoryStore,
} from '@jobgate/core';
import type { RunnerRetry } from '@jobgate/core/adapter';
import { MemoryFileStorage } from '@jobgate/core/testing';
import { type sampleInputs, tools, uploadSampleInput } from '@jobgate/example-tools';
import { afterEach, expect, vi } from 'vitest';
import { createRunningHubProvider } from '../runningHubProvider.js';
import { type RunningHubSimulator, startRunningHubSimulator } from '../runningHubSimulator.js';
import type { RunningHubSimulatorOptions } from '../runningHubSimulatorOptions.js';
import { uuid } from './helpers.js';

const KEY = 'e2e-key';
const SECRET = 'e2e-webhook-secret-0123456789abcdef';

/** The host app's callback route: `POST /webhooks/:provider/:token` → runner.handleWebhook. */
async function startWebhookServer(runner: () => JobRunner): Promise<{
  url: string;
  answers: { status: number; body: string }[];
  close(): Promise<void>;
}> {
  const answers: { status: number; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const match = /^\/webhooks\/([^/]+)\/([^/?]+)$/.exec(req.url ?? '');
      const reply = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        answers.push({ status, body: text });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(text);
      };
      if (req.method !== 'POST' || !match) return reply(404, { error: 'no route' });
      const request = new Request(`http://hooks${req.url}`, {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
        body: new Uint8Array(Buffer.concat(chunks)),
      });
      runner()
        .handleWebhook(decodeURIComponent(match[2]!), request)
        .then(
          (job) => reply(200, { id: job.id, status: job.status }),
          (error: unknown) => {
            const err =
              error instanceof JobGateError ? error : new JobGateError('INTERNAL', String(error));
            reply(err.status, err.toJSON());
          },
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answers,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const cleanups: (() => unknown)[] = [];

/** Closes, after each test, what its setup() started. */
export function useEndToEnd(): void {
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });
}

/**
 * A simulated RunningHub, the host app's callback route, and a JobRunner on a MemoryStore
 * and a MemoryFileStorage with the RunningHub provider between them. `submit` first puts
 * the job's files into the storage, as the browser's upload would.
 */
export async function setup(
  options: {
    sim?: RunningHubSimulatorOptions;
    clock?: Clock;
    globalCap?: number;
    tools?: readonly AnyTool[];
    retry?: RunnerRetry;
  } = {},
) {
  const sim: RunningHubSimulator = await startRunningHubSimulator({
    apiKeys: [KEY],
    ...options.sim,
  });
  cleanups.push(() => sim.close());
  let runner: JobRunner | undefined;
  const hooks = await startWebhookServer(() => runner!);
  cleanups.push(() => hooks.close());
  const store = new MemoryStore();
  const storage = new MemoryFileStorage();
  const provider = createRunningHubProvider({
    apiKey: KEY,
    baseUrl: sim.url,
    retry: { backoffMs: [1] },
  });
  runner = new JobRunner({
    store,
    storage,
    provider,
    tools: options.tools ?? tools,
    webhook: { baseUrl: hooks.url, secret: SECRET },
    ...(options.retry ? { retry: options.retry } : {}),
    random: () => 0.5,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.globalCap ? { policy: { globalCap: options.globalCap } } : {}),
  });
  const r = runner;
  cleanups.push(() => r.close());
  const submit = (n: number, tool: keyof typeof sampleInputs = 'veste-ai', userId = `user-${n}`) =>
    r.submit({
      jobId: uuid(n),
      tool,
      userId,
      input: uploadSampleInput(storage, tool, { userId, jobId: uuid(n) }),
    });
  const postRaw = async (jobId: string, body: string) => {
    const url = await r.webhookUrl(jobId);
    return fetch(url!, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  };
  return { sim, hooks, store, storage, provider, runner: r, submit, postRaw };
}

export const waitForStatus = (store: MemoryStore, jobId: string, status: Job['status']) =>
  vi.waitFor(
    async () => {
      const job = await store.get(jobId);
      expect(job?.status).toBe(status);
      return job!;
    },
    { timeout: 5_000, interval: 10 },
  );
