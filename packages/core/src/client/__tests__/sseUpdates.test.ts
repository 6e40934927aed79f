import { describe, expect, it } from 'vitest';
import type { Job } from '../../domain/job.js';
import { FakeClock } from '../../testing/fakeClock.js';
import { createSseParser, type SseEvent, sseUpdates } from '../sseUpdates.js';
import { createFakeServer, flush, uuid } from './fakeServer.js';

describe('createSseParser', () => {
  it('parses events split anywhere, CRLF/CR/LF, multi-line data, comments, retry', () => {
    const text =
      ': ping\r\n\r\nevent: job\r\ndata: {"a":\r\ndata: 1}\r\nid: 7\r\n\r\nretry: 2500\n: ping\n\ndata: plain\rdata: two\r\r';
    for (const size of [1, 2, 3, 5, 64]) {
      const events: SseEvent[] = [];
      const parser = createSseParser((e) => events.push(e));
      for (let i = 0; i < text.length; i += size) parser.push(text.slice(i, i + size));
      parser.end();
      expect(events).toEqual([
        { event: 'job', data: '{"a":\n1}', retry: undefined },
        { event: 'message', data: 'plain\ntwo', retry: 2500 },
      ]);
    }
  });
});

describe('sseUpdates', () => {
  function setup(options: { maxAttempts?: number } = {}) {
    const server = createFakeServer();
    const clock = new FakeClock();
    const source = sseUpdates({
      baseUrl: 'http://x.test',
      getToken: () => 'u1',
      fetch: server.fetch,
      clock,
      retryMs: 100,
      maxAttempts: options.maxAttempts ?? 3,
      heartbeatTimeoutMs: 10_000,
    });
    return { server, clock, source };
  }

  it('delivers every change with the bearer token and ends after a terminal job', async () => {
    const { server, clock, source } = setup();
    await server.submitAs('u1', uuid(1));
    const jobs: Job[] = [];
    const errors: unknown[] = [];
    source.subscribe(
      uuid(1),
      (j) => jobs.push(j),
      (e) => errors.push(e),
    );
    await flush();
    await server.progress(uuid(1), 0.5);
    await server.clock.advance(1_000);
    await flush();
    expect(jobs.map((j) => [j.status, j.progress])).toEqual([
      ['running', null],
      ['running', 0.5],
      ['completed', 1],
    ]);
    expect(errors).toEqual([]);
    expect(server.openStreams).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('reconnects a silent stream after the heartbeat timeout; pings keep it alive', async () => {
    const { server, clock, source } = setup();
    await server.submitAs('u1', uuid(1));
    const stop = source.subscribe(
      uuid(1),
      () => {},
      () => {},
    );
    await flush();
    await clock.advance(9_000);
    server.ping();
    await flush();
    await clock.advance(9_000);
    expect(server.count('GET', /\/events$/)).toBe(1);
    await clock.advance(1_000); // 10 s of silence
    await clock.advance(100);
    await flush();
    expect(server.count('GET', /\/events$/)).toBe(2);
    stop();
    await flush();
    expect(server.openStreams).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('reports onError after maxAttempts failed connections, and at once for a 404', async () => {
    const { server, clock, source } = setup({ maxAttempts: 2 });
    server.fault('GET', /\/events$/, 'html502', false);
    const errors: { code: string }[] = [];
    source.subscribe(
      uuid(1),
      () => {},
      (e) => errors.push(e as { code: string }),
    );
    await flush();
    expect(errors).toEqual([]);
    await clock.advance(100);
    await flush();
    expect(errors.map((e) => e.code)).toEqual(['NETWORK_ERROR']);
    expect(clock.pending).toBe(0);
    server.clearFaults();
    const missing: { code: string }[] = [];
    source.subscribe(
      uuid(404),
      () => {},
      (e) => missing.push(e as { code: string }),
    );
    await flush();
    expect(missing.map((e) => e.code)).toEqual(['NOT_FOUND']);
  });
});
