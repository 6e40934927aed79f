import { sampleInputs, tools } from '@jobgate/example-tools';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRunningHubProvider } from '../runningHubProvider.js';
import { jobFor, rejectionOf } from './helpers.js';

/**
 * RunningHub's cloud (`www.runninghub.ai`, `www.runninghub.cn`) cannot be reached from
 * tests: msw stands in for it, to check what goes over the wire to the real hosts.
 */
const seen: { url: string; headers: Headers; body: unknown }[] = [];
const server = setupServer();

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  seen.length = 0;
});
afterAll(() => server.close());

const upscaler = tools.find((t) => t.id === 'upscaler')!;
const startCtx = () => ({
  job: jobFor(upscaler, sampleInputs.upscaler),
  tool: upscaler,
  signal: AbortSignal.timeout(5_000),
  webhookUrl: 'https://app.example/webhooks/runninghub/abc.def',
});

function record(host: string) {
  return http.post(`${host}/task/openapi/ai-app/run`, async ({ request }) => {
    seen.push({ url: request.url, headers: request.headers, body: await request.json() });
    return HttpResponse.json({
      code: 0,
      msg: 'success',
      data: { netWssUrl: null, taskId: 1907035719658053634n.toString(), taskStatus: 'RUNNING' },
    });
  });
}

describe('the real RunningHub hosts (msw)', () => {
  it('defaults to https://www.runninghub.ai and sends JSON with the key', async () => {
    server.use(record('https://www.runninghub.ai'));
    const provider = createRunningHubProvider({ apiKey: 'real-key' });
    expect(await provider.start(startCtx())).toEqual({ taskId: '1907035719658053634' });
    expect(seen).toHaveLength(1);
    const [call] = seen;
    expect(call!.url).toBe('https://www.runninghub.ai/task/openapi/ai-app/run');
    expect(call!.headers.get('content-type')).toBe('application/json');
    expect(call!.headers.get('authorization')).toBe('Bearer real-key');
    expect(call!.body).toEqual({
      apiKey: 'real-key',
      webappId: '2015865378030755841',
      nodeInfoList: [
        { nodeId: '26', fieldName: 'image', fieldValue: 'upscaler/u/j/photo.webp' },
        { nodeId: '25', fieldName: 'value', fieldValue: 0.15 },
        { nodeId: '73', fieldName: 'value', fieldValue: 2048 },
      ],
      webhookUrl: 'https://app.example/webhooks/runninghub/abc.def',
    });
  });

  it('uses the .cn host when told, and the instanceType option', async () => {
    server.use(record('https://www.runninghub.cn'));
    const provider = createRunningHubProvider({
      apiKey: 'k',
      baseUrl: 'https://www.runninghub.cn/',
      instanceType: 'plus',
    });
    await provider.start(startCtx());
    expect(seen[0]!.url).toBe('https://www.runninghub.cn/task/openapi/ai-app/run');
    expect(seen[0]!.body).toMatchObject({ instanceType: 'plus' });
  });

  it('a connection failure is a transient PROVIDER_ERROR, retried within status', async () => {
    let calls = 0;
    server.use(
      http.post('https://www.runninghub.ai/task/openapi/status', () => {
        calls++;
        return calls === 1
          ? HttpResponse.error()
          : HttpResponse.json({ code: 0, msg: '', data: 'RUNNING' });
      }),
    );
    const provider = createRunningHubProvider({ apiKey: 'k', retry: { backoffMs: [1] } });
    expect(await provider.status('1', { signal: AbortSignal.timeout(5_000) })).toEqual({
      state: 'running',
    });
    expect(calls).toBe(2);
  });

  it('an HTML page instead of JSON (a gateway) is transient', async () => {
    server.use(
      http.post(
        'https://www.runninghub.ai/task/openapi/outputs',
        () => new HttpResponse('<html>bad gateway</html>', { status: 200 }),
      ),
    );
    const provider = createRunningHubProvider({ apiKey: 'k', retry: { attempts: 1 } });
    const error = await rejectionOf(provider.outputs('1'));
    expect(error).toMatchObject({ code: 'PROVIDER_ERROR', kind: 'transient' });
    expect(error.message).toMatch(/not JSON/);
  });

  it('HTTP 401 is a configuration error, other 4xx fatal', async () => {
    server.use(
      http.post(
        'https://www.runninghub.ai/task/openapi/status',
        () => new HttpResponse('', { status: 401 }),
      ),
      http.post(
        'https://www.runninghub.ai/task/openapi/outputs',
        () => new HttpResponse('', { status: 404 }),
      ),
    );
    const provider = createRunningHubProvider({ apiKey: 'k' });
    expect(await rejectionOf(provider.status('1'))).toMatchObject({
      code: 'PROVIDER_CONFIG',
      providerCode: 401,
    });
    expect(await rejectionOf(provider.outputs('1'))).toMatchObject({
      code: 'PROVIDER_ERROR',
      kind: 'fatal',
      providerCode: 404,
    });
  });

  it('a start answered 429 with a long Retry-After is not retried inside start: the runner requeues', async () => {
    let calls = 0;
    server.use(
      http.post('https://www.runninghub.ai/task/openapi/ai-app/run', () => {
        calls++;
        return new HttpResponse('slow down', { status: 429, headers: { 'retry-after': '2' } });
      }),
    );
    const provider = createRunningHubProvider({ apiKey: 'k' });
    const error = await rejectionOf(provider.start(startCtx()));
    expect(error).toMatchObject({
      code: 'PROVIDER_ERROR',
      kind: 'transient',
      providerCode: 429,
      retryAfterMs: 2_000,
    });
    expect(calls).toBe(1);
  });
});
