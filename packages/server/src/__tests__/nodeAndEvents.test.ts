import type { Job } from '@jobgate/core';
import { webhookToken } from '@jobgate/core/adapter';
import { describe, expect, it } from 'vitest';
import { serveNode } from '../node.js';
import { setup, TOKENS, uuid, WEBHOOK_SECRET } from './harness.js';

async function readEvents(response: Response, until: (jobs: Job[]) => boolean) {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const jobs = () =>
    text
      .split('\n\n')
      .filter((b) => b.startsWith('event: job'))
      .map((b) => JSON.parse(b.split('\ndata: ')[1]!) as Job);
  while (!until(jobs())) {
    const { done, value } = await reader.read();
    if (done) break;
    text += value;
  }
  return { jobs: jobs(), text, reader };
}

describe('server-sent events (in process)', () => {
  it('sends the current state, every change, pings, and ends after a terminal state', async () => {
    const { call, handler, store, upload } = setup({ events: { pingMs: 20 } });
    await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool: 'veste-ai', input: upload('veste-ai', uuid(1)) },
    });
    const response = await handler(
      new Request(`https://api.example.test/jobs/${uuid(1)}/events`, {
        headers: { authorization: `Bearer ${TOKENS.alice}` },
      }),
    );
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes(': ping')) text += (await reader.read()).value ?? '';
    expect(text).toMatch(/^retry: 3000\n\nevent: job\ndata: \{.*"status":"running"/);
    const job = (await store.get(uuid(1)))!;
    await call('POST', `/webhooks/simulated/${await webhookToken(WEBHOOK_SECRET, uuid(1))}`, {
      token: null,
      body: { taskId: job.taskId, state: 'running', progress: 0.5 },
    });
    await call('POST', `/webhooks/simulated/${await webhookToken(WEBHOOK_SECRET, uuid(1))}`, {
      token: null,
      body: { taskId: job.taskId, state: 'completed' },
    });
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
    }
    const statuses = text
      .split('\n\n')
      .filter((b) => b.startsWith('event: job'))
      .map((b) => (JSON.parse(b.split('\ndata: ')[1]!) as Job).status);
    expect(statuses[0]).toBe('running');
    expect(statuses.at(-1)).toBe('completed');
    expect(text).toContain('"progress":0.5');
  });

  it('a queued job: a new event with its new position each time the queue ahead moves', async () => {
    const { call, handler, upload } = setup({ events: { pingMs: 10_000 } });
    const users = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;
    for (const [i, user] of users.entries()) {
      const input = upload('veste-ai', uuid(i + 1), user);
      const answer = await call('POST', '/jobs', {
        token: TOKENS[user],
        body: { jobId: uuid(i + 1), tool: 'veste-ai', input },
      });
      expect(answer.status).toBe(200);
    }
    const response = await handler(
      new Request(`https://api.example.test/jobs/${uuid(5)}/events`, {
        headers: { authorization: `Bearer ${TOKENS.erin}` },
      }),
    );
    const first = await readEvents(response, (jobs) => jobs.length >= 1);
    expect(first.jobs.at(-1)).toMatchObject({ status: 'queued', position: 2 });
    // alice's job ends: dave's is promoted; erin's row is not written, her position is.
    await call('POST', `/jobs/${uuid(1)}/cancel`, { token: TOKENS.alice, body: { confirm: true } });
    let text = first.text;
    const positions = () =>
      text
        .split('\n\n')
        .filter((b) => b.startsWith('event: job'))
        .map((b) => JSON.parse(b.split('\ndata: ')[1]!) as Job)
        .map((j) => `${j.status}:${j.position}`);
    while (!positions().includes('queued:1')) text += (await first.reader.read()).value ?? '';
    await call('POST', `/jobs/${uuid(2)}/cancel`, { token: TOKENS.bob, body: { confirm: true } });
    while (!positions().includes('running:null')) text += (await first.reader.read()).value ?? '';
    expect(positions()).toEqual(['queued:2', 'queued:1', 'running:null']);
    await first.reader.cancel();
  });

  it('a terminal job: one event, then the end; a foreign job: 404', async () => {
    const { call, handler, upload } = setup();
    await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool: 'upscaler', input: upload('upscaler', uuid(1)) },
    });
    await call('POST', `/jobs/${uuid(1)}/cancel`, { body: { confirm: true } });
    const response = await handler(
      new Request(`https://api.example.test/jobs/${uuid(1)}/events`, {
        headers: { authorization: `Bearer ${TOKENS.alice}` },
      }),
    );
    const { jobs } = await readEvents(response, () => false);
    expect(jobs.map((j) => j.status)).toEqual(['cancelled']);
    expect((await call('GET', `/jobs/${uuid(1)}/events`, { token: TOKENS.bob })).status).toBe(404);
  });
});

describe('@jobgate/server/node', () => {
  it('serves the handler over node:http: JSON, streamed bodies, chunked oversize, SSE with disconnect', async () => {
    const { handler, store, upload } = setup({ events: { pingMs: 10_000 } });
    const server = await serveNode(handler);
    try {
      const headers = {
        authorization: `Bearer ${TOKENS.alice}`,
        'content-type': 'application/json',
      };
      const created = await fetch(`${server.url}/jobs`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          jobId: uuid(1),
          tool: 'veste-ai',
          input: upload('veste-ai', uuid(1)),
        }),
      });
      expect(created.status).toBe(200);
      expect(((await created.json()) as { job: Job }).job.status).toBe('running');

      let pulled = 0;
      const big = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pulled++ >= 200) return controller.close();
          controller.enqueue(new Uint8Array(8_192).fill(120));
        },
      });
      const tooLarge = await fetch(`${server.url}/jobs`, {
        method: 'POST',
        headers,
        body: big,
        duplex: 'half',
      } as RequestInit);
      expect(tooLarge.status).toBe(413);
      expect(await tooLarge.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });

      const unauth = await fetch(`${server.url}/jobs/active`);
      expect(unauth.status).toBe(401);

      // SSE: the client goes away, the server's subscription ends.
      const controller = new AbortController();
      const events = await fetch(`${server.url}/jobs/${uuid(1)}/events`, {
        headers,
        signal: controller.signal,
      });
      const reader = events.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      expect(first).toContain('retry: 3000');
      controller.abort();
      await reader.read().catch(() => undefined);
      expect((await store.get(uuid(1)))?.status).toBe('running');
    } finally {
      await server.close();
    }
  });
});
