import { fetchTransport, sseUpdates, type Uploader } from '@jobgate/core/client';
import { FakeClock } from '@jobgate/core/testing';
import { createJobHandler, staticTokenAuthenticator } from '@jobgate/server';
import { act } from '@testing-library/react';
import { createFakeServer, uuid } from '../../../core/src/client/__tests__/fakeServer.js';
import type { JobGateConfig } from '../jobGateProvider.js';
import { JobGateProvider } from '../jobGateProvider.js';

const baseUrl = 'http://jobgate.test/jobgate';

/**
 * The hooks against the real @jobgate/server handler (in process, the production wire
 * format) over a runner whose tools take files: the uploader writes into the server's
 * storage, where the runner reads them for the provider and keeps the results.
 */
export function setupRealServer(
  options: { fetch?: (request: Request, next: () => Promise<Response>) => Promise<Response> } = {},
) {
  const sim = createFakeServer({ files: true });
  const handler = createJobHandler({
    runner: sim.runner,
    auth: staticTokenAuthenticator({ 'token-u1': 'u1', 'token-u2': 'u2' }),
    basePath: '/jobgate',
    cors: false,
  });
  const requests: string[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    requests.push(`${request.method} ${new URL(request.url).pathname.replace('/jobgate', '')}`);
    const next = () => handler(request);
    return options.fetch ? options.fetch(request.clone(), next) : next();
  };
  const uploader: Uploader = {
    async upload(request) {
      const path = `${request.tool}/${request.userId}/${request.jobId}/${request.name}`;
      const blob = request.data instanceof Blob ? request.data : new Blob([request.data as never]);
      await sim.storage.write(path, blob.stream(), {
        contentType: request.contentType,
        ifAbsent: true,
      });
      return { path };
    },
    remove: (paths) => sim.storage.remove(paths),
  };
  const clock = new FakeClock();
  const getToken = () => 'token-u1';
  let n = 300;
  const config: JobGateConfig = {
    transport: fetchTransport({ baseUrl, getToken, fetch: fetchImpl, clock }),
    updates: sseUpdates({ baseUrl, getToken, fetch: fetchImpl, clock }),
    uploader,
    userId: 'u1',
    clock,
    poll: { intervalMs: 1_000 },
    generateId: () => uuid(++n),
  };
  const wrap = (ui: React.ReactNode) => <JobGateProvider config={config}>{ui}</JobGateProvider>;
  /** Lets the simulated provider finish what runs (its result is copied, then the job completes). */
  const finish = async (ms = 1_000) => {
    await act(async () => {
      await sim.clock.advance(ms);
    });
  };
  const count = (line: string | RegExp) =>
    requests.filter((r) => (typeof line === 'string' ? r === line : line.test(r))).length;
  return { sim, config, wrap, finish, requests, count };
}
