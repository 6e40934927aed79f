// A real-browser smoke test: Chromium loads a page that bundles @jobgate/react and
// @jobgate/core/client with esbuild and runs a job against the fake server over real HTTP
// (fetch, streamed SSE, crypto.randomUUID). Needs Chromium (describeWith('chromium')).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_LAUNCH, describeWith } from '@jobgate/testkit';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createFakeServer } from '../../../core/src/client/__tests__/fakeServer.js';

const app = `
import { createElement as h } from 'react';
import { createRoot } from 'react-dom/client';
import { JobGateProvider, useTool } from '@jobgate/react';
import { fetchTransport, sseUpdates } from '@jobgate/core/client';

const baseUrl = location.origin + '/api';
const getToken = () => 'browser-user';
const config = {
  transport: fetchTransport({ baseUrl, getToken }),
  updates: sseUpdates({ baseUrl, getToken }),
};

function App() {
  const r = useTool('veste-ai');
  return h('div', null,
    h('button', { id: 'run', onClick: () => r.run({ person: 'veste-ai/u/j/p.webp', clothing: 'veste-ai/u/j/c.webp' }) }, 'Run'),
    h('p', { id: 'status' }, r.status),
    h('p', { id: 'job' }, r.jobId ?? ''),
    h('p', { id: 'error' }, r.error ? r.error.code : ''),
  );
}
createRoot(document.getElementById('root')).render(h(JobGateProvider, { config }, h(App)));
`;

async function bundle(): Promise<string> {
  const result = await build({
    stdin: {
      contents: app,
      resolveDir: fileURLToPath(new URL('..', import.meta.url)),
      loader: 'js',
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    conditions: ['@jobgate/source'],
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

async function toRequest(req: IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
  return new Request(new URL(req.url ?? '/', origin), {
    method: req.method ?? 'GET',
    headers,
    ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
  });
}

async function send(res: ServerResponse, response: Response, req: IncomingMessage): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.flushHeaders();
  if (!response.body) return void res.end();
  const reader = response.body.getReader();
  req.on('close', () => void reader.cancel().catch(() => {}));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  } catch {
    // the stream broke: end the response
  }
  res.end();
}

describeWith('chromium', 'in Chromium', () => {
  const fake = createFakeServer();
  let http: Server;
  let browser: Browser;
  let origin = '';

  beforeAll(async () => {
    const js = await bundle();
    http = createServer((req, res) => {
      if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(
          '<!doctype html><div id="root"></div><script type="module" src="/app.js"></script>',
        );
        return;
      }
      if (req.url === '/app.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(js);
        return;
      }
      void toRequest(req, origin)
        .then((request) => fake.handle(request))
        .then((response) => send(res, response, req));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    browser = await chromium.launch(CHROMIUM_LAUNCH);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    http?.closeAllConnections();
    await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
  });

  it('runs a job end to end: one request for a double click, live SSE updates, completed', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(origin);
    await page.waitForSelector('#run');
    await page.dblclick('#run');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'running');
    expect(fake.count('POST', '/jobs')).toBe(1);
    const jobId = await page.textContent('#job');
    expect(jobId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(fake.count('GET', `/jobs/${jobId}/events`)).toBe(1);
    await fake.clock.advance(1_000);
    await page.waitForFunction(
      () => document.querySelector('#status')?.textContent === 'completed',
    );
    // Every update came over the event stream: no polling fallback was needed.
    expect(fake.count('GET', /^\/jobs\/[0-9a-f-]{36}$/)).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
