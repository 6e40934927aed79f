import { fetchTransport, sseUpdates } from '@jobgate/core/client';
import { FakeClock } from '@jobgate/core/testing';
import { act } from '@testing-library/react';
import {
  createFakeServer,
  type FakeServer,
  uuid,
} from '../../../core/src/client/__tests__/fakeServer.js';
import { type JobGateConfig, JobGateProvider } from '../jobGateProvider.js';

const baseUrl = 'http://jobgate.test/api';

/** A fake server, a fake clock and a provider config on both; `wrap` renders inside it. */
export function setup(options: { cap?: number; user?: string } = {}) {
  const server = createFakeServer({ cap: options.cap ?? 3 });
  const clock = new FakeClock();
  const getToken = () => options.user ?? 'u1';
  let n = 100;
  const config: JobGateConfig = {
    transport: fetchTransport({ baseUrl, getToken, fetch: server.fetch, clock }),
    updates: sseUpdates({ baseUrl, getToken, fetch: server.fetch, clock }),
    clock,
    poll: { intervalMs: 1_000 },
    generateId: () => uuid(++n),
  };
  const wrap = (ui: React.ReactNode) => <JobGateProvider config={config}>{ui}</JobGateProvider>;
  return { server, clock, config, wrap };
}

/** Lets the fake server's jobs move on by `ms` (the default ends a simulated run). */
export async function finish(server: FakeServer, ms = 1_000) {
  await act(async () => {
    await server.clock.advance(ms);
  });
}
