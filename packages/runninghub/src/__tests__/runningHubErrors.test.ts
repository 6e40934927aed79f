import { sampleInputs } from '@jobgate/example-tools';
import { describe, expect, it } from 'vitest';
import { RUNNINGHUB_CODES, type RunningHubCode } from '../runningHubCodes.js';
import { RUNNINGHUB_PATHS } from '../runningHubPaths.js';
import { createRunningHubProvider } from '../runningHubProvider.js';
import { startRunningHubSimulator } from '../runningHubSimulator.js';
import { rejectionOf } from './helpers.js';
import {
  ctx,
  KEY,
  provider,
  sim,
  startCtx,
  startVeste,
  uploadedInput,
  useSimulatedProvider,
  vesteAi,
} from './providerHarness.js';

useSimulatedProvider();

type Expectation = { code: string; kind: string };
const EXPECTED: Record<string, Expectation> = {
  busy: { code: 'PROVIDER_BUSY', kind: 'busy' },
  invalid: { code: 'PROVIDER_REJECTED', kind: 'invalid' },
  config: { code: 'PROVIDER_CONFIG', kind: 'fatal' },
  funds: { code: 'PROVIDER_CONFIG', kind: 'fatal' },
  transient: { code: 'PROVIDER_ERROR', kind: 'transient' },
  failed: { code: 'PROVIDER_ERROR', kind: 'fatal' },
  notFound: { code: 'PROVIDER_ERROR', kind: 'fatal' },
  pending: { code: 'PROVIDER_ERROR', kind: 'fatal' },
};

describe('error classification (every RunningHub code, answered by the simulator)', () => {
  const codes = Object.entries(RUNNINGHUB_CODES).map(([code, info]) => ({
    code: Number(code) as RunningHubCode,
    ...info,
  }));

  it.each(codes)('start answered $code $name → its class ($class)', async ({ code, name }) => {
    sim.inject({ path: RUNNINGHUB_PATHS.runAiApp, code, msg: name });
    const error = await rejectionOf(startVeste());
    const expected = EXPECTED[RUNNINGHUB_CODES[code].class]!;
    expect(error).toMatchObject({ ...expected, providerCode: code });
    expect(error.message).toContain(String(code));
    expect(error.message).toContain(name);
    expect(error.details).toMatchObject({ runningHubCode: code, runningHubMessage: name });
    // Not retried by the provider: one request for one start.
    expect(sim.requests.filter((r) => r.path === RUNNINGHUB_PATHS.runAiApp)).toHaveLength(1);
  });

  it('the busy codes are exactly 421, 415, 814, 1003, 1011, 1520', () => {
    expect(
      codes
        .filter((c) => c.class === 'busy')
        .map((c) => c.code)
        .sort((a, b) => a - b),
    ).toEqual([415, 421, 814, 1003, 1011, 1520]);
    for (const c of [301, 380, 433, 803, 808, 809]) {
      expect(RUNNINGHUB_CODES[c as RunningHubCode].class).toBe('invalid');
    }
    expect(RUNNINGHUB_CODES[801].class).toBe('config');
    expect(RUNNINGHUB_CODES[802].class).toBe('config');
    expect(RUNNINGHUB_CODES[812].class).toBe('funds');
  });

  it('says "insufficient funds" for 812 and "configuration" for 802', async () => {
    sim.inject({ path: RUNNINGHUB_PATHS.runAiApp, code: 812 });
    expect((await rejectionOf(startVeste())).message).toMatch(/insufficient funds/);
    sim.inject({ path: RUNNINGHUB_PATHS.runAiApp, code: 802 });
    expect((await rejectionOf(startVeste())).message).toMatch(/configuration/);
  });

  it('an undocumented code ends the job (PROVIDER_ERROR, fatal), never loops', async () => {
    sim.inject({ path: RUNNINGHUB_PATHS.runAiApp, code: 4242, msg: 'SOMETHING_NEW' });
    const error = await rejectionOf(startVeste());
    expect(error).toMatchObject({ code: 'PROVIDER_ERROR', kind: 'fatal', providerCode: 4242 });
    expect(error.message).toMatch(/SOMETHING_NEW/);
  });

  it('the simulator answers 421 past the account concurrency limit', async () => {
    const small = await startRunningHubSimulator({ apiKeys: [KEY], manual: true, concurrency: 1 });
    try {
      const p = createRunningHubProvider({ apiKey: KEY, baseUrl: small.url });
      const input = await uploadedInput(p, vesteAi, sampleInputs['veste-ai']);
      await p.start(startCtx(vesteAi, input));
      const error = await rejectionOf(p.start(startCtx(vesteAi, input)));
      expect(error).toMatchObject({ code: 'PROVIDER_BUSY', kind: 'busy', providerCode: 421 });
      expect(error.message).toMatch(/TASK_QUEUE_MAXED/);
      expect((await p.accountStatus()).currentTaskCounts).toBe(1);
    } finally {
      await small.close();
    }
  });
});

describe('transient failures', () => {
  it('retries a status call after HTTP 503 and succeeds', async () => {
    const taskId = await startVeste();
    sim.inject({ path: RUNNINGHUB_PATHS.status, httpStatus: 503, times: 2 });
    expect(await provider.status(taskId, ctx())).toEqual({ state: 'running' });
    expect(sim.requests.filter((r) => r.path === RUNNINGHUB_PATHS.status)).toHaveLength(3);
  });

  it('gives up after the bounded number of attempts with a transient PROVIDER_ERROR', async () => {
    const taskId = await startVeste();
    sim.inject({ path: RUNNINGHUB_PATHS.outputs, httpStatus: 502, times: 10 });
    const error = await rejectionOf(provider.outputs(taskId));
    expect(error).toMatchObject({ code: 'PROVIDER_ERROR', kind: 'transient', providerCode: 502 });
    expect(sim.requests.filter((r) => r.path === RUNNINGHUB_PATHS.outputs)).toHaveLength(3);
  });

  it('treats HTTP 429 as transient and RunningHub 500 UNKNOWN_ERROR as transient in polls', async () => {
    const taskId = await startVeste();
    sim.inject({ path: RUNNINGHUB_PATHS.status, httpStatus: 429 });
    sim.inject({ path: RUNNINGHUB_PATHS.status, code: 500 });
    const error = await rejectionOf(provider.status(taskId, ctx()));
    expect(error).toMatchObject({ code: 'PROVIDER_ERROR', kind: 'transient', providerCode: 500 });
  });

  it('retries a start once on HTTP 503 (RunningHub did not take it)', async () => {
    sim.inject({ path: RUNNINGHUB_PATHS.runAiApp, httpStatus: 503 });
    const taskId = await startVeste();
    expect(sim.tasks.has(taskId)).toBe(true);
    expect(sim.requests.filter((r) => r.path === RUNNINGHUB_PATHS.runAiApp)).toHaveLength(2);
  });

  it('does not retry a start after HTTP 500/504 (it may have been taken): the runner decides', async () => {
    for (const httpStatus of [500, 504]) {
      sim.requests.length = 0;
      sim.inject({ path: RUNNINGHUB_PATHS.runAiApp, httpStatus });
      const error = await rejectionOf(startVeste());
      expect(error).toMatchObject({
        code: 'PROVIDER_ERROR',
        kind: 'transient',
        providerCode: httpStatus,
      });
      expect(sim.requests.filter((r) => r.path === RUNNINGHUB_PATHS.runAiApp)).toHaveLength(1);
    }
  });

  it('a start retries at most once even if RunningHub keeps answering 503', async () => {
    sim.inject({ path: RUNNINGHUB_PATHS.runAiApp, httpStatus: 503, times: 5 });
    const error = await rejectionOf(startVeste());
    expect(error.kind).toBe('transient');
    expect(sim.requests.filter((r) => r.path === RUNNINGHUB_PATHS.runAiApp)).toHaveLength(2);
  });

  it('times out a slow answer as transient, and a caller abort as TIMEOUT', async () => {
    const slow = await startRunningHubSimulator({
      apiKeys: [KEY],
      manual: true,
      latencyMs: [300, 300],
    });
    try {
      const p = createRunningHubProvider({
        apiKey: KEY,
        baseUrl: slow.url,
        timeouts: { requestMs: 40 },
        retry: { attempts: 2, backoffMs: [1] },
      });
      const error = await rejectionOf(p.status('1', ctx()));
      expect(error).toMatchObject({ code: 'PROVIDER_ERROR', kind: 'transient' });
      expect(error.message).toMatch(/no answer within 40 ms/);
      const patient = createRunningHubProvider({ apiKey: KEY, baseUrl: slow.url });
      const aborted = await rejectionOf(patient.status('1', { signal: AbortSignal.timeout(30) }));
      expect(aborted.code).toBe('TIMEOUT');
    } finally {
      await slow.close();
    }
  });

  it('a network failure (nothing listening) is transient', async () => {
    const gone = await startRunningHubSimulator({ apiKeys: [KEY] });
    const url = gone.url;
    await gone.close();
    const p = createRunningHubProvider({ apiKey: KEY, baseUrl: url, retry: { backoffMs: [1] } });
    const error = await rejectionOf(p.status('1', ctx()));
    expect(error).toMatchObject({ code: 'PROVIDER_ERROR', kind: 'transient' });
    expect(error.message).toMatch(/network error/);
  });

  it('a wrong base path answers 412 TOKEN_INVALID → PROVIDER_CONFIG', async () => {
    const p = createRunningHubProvider({ apiKey: KEY, baseUrl: `${sim.url}/v9` });
    const error = await rejectionOf(p.status('1', ctx()));
    expect(error).toMatchObject({ code: 'PROVIDER_CONFIG', providerCode: 412 });
  });
});
