import { type AnyTool, defineTool } from '@jobgate/core';
import {
  sampleInputs,
  tools,
  type UpscalerInput,
  upscaler,
  upscalerInput,
} from '@jobgate/example-tools';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RUNNINGHUB_CODES, type RunningHubCode } from '../runningHubCodes.js';
import { MAX_UPLOAD_BYTES, RUNNINGHUB_PATHS } from '../runningHubPaths.js';
import { createRunningHubProvider, type RunningHubProvider } from '../runningHubProvider.js';
import { type RunningHubSimulator, startRunningHubSimulator } from '../runningHubSimulator.js';
import type { RunningHubToolConfig } from '../runningHubToolConfig.js';
import { jobFor, rejectionOf, unmappedTool, workflowTool } from './helpers.js';

const KEY = 'test-key';
const vesteAi = tools.find((t) => t.id === 'veste-ai')!;
const videoUpscaler = tools.find((t) => t.id === 'video-upscaler')!;

let sim: RunningHubSimulator;
let provider: RunningHubProvider;

const signal = () => AbortSignal.timeout(5_000);
const startCtx = (tool: AnyTool, input: Record<string, unknown>, webhookUrl?: string) => ({
  job: jobFor(tool, input),
  tool,
  signal: signal(),
  webhookUrl,
});
const ctx = (tool: AnyTool = vesteAi) => ({
  job: jobFor(tool, {}),
  tool,
  signal: signal(),
});
const startVeste = async (webhookUrl?: string) =>
  (await provider.start(startCtx(vesteAi, sampleInputs['veste-ai'], webhookUrl))).taskId;

beforeAll(async () => {
  sim = await startRunningHubSimulator({ seed: 3, apiKeys: [KEY], manual: true, concurrency: 50 });
  provider = createRunningHubProvider({
    apiKey: KEY,
    baseUrl: sim.url,
    retry: { backoffMs: [1, 1] },
  });
});
afterAll(() => sim.close());
afterEach(() => {
  sim.requests.length = 0;
  sim.clearInjections();
});

describe('start', () => {
  it('runs an AI app with its nodeInfoList and the per-job webhook URL', async () => {
    const taskId = await startVeste('https://app.example/webhooks/runninghub/j.tok');
    expect(taskId).toMatch(/^\d+$/);
    const request = sim.requests.at(-1)!;
    expect(request.path).toBe(RUNNINGHUB_PATHS.runAiApp);
    expect(request.body).toMatchObject({
      apiKey: '***',
      webappId: '2018755100210106369',
      webhookUrl: 'https://app.example/webhooks/runninghub/j.tok',
      nodeInfoList: [
        { nodeId: '41', fieldName: 'image', fieldValue: sampleInputs['veste-ai'].person },
        { nodeId: '43', fieldName: 'image', fieldValue: sampleInputs['veste-ai'].clothing },
      ],
    });
    expect(sim.tasks.get(taskId)).toMatchObject({
      status: 'RUNNING',
      webappId: '2018755100210106369',
      webhookUrl: 'https://app.example/webhooks/runninghub/j.tok',
    });
  });

  it('creates a workflow task at /task/openapi/create when the mapping names a workflowId', async () => {
    const { taskId } = await provider.start(startCtx(workflowTool, { prompt: 'a cat' }));
    const request = sim.requests.at(-1)!;
    expect(request.path).toBe(RUNNINGHUB_PATHS.createWorkflow);
    expect(request.body).toMatchObject({
      workflowId: '1904136902449209346',
      addMetadata: false,
      nodeInfoList: [{ nodeId: '6', fieldName: 'text', fieldValue: 'a cat' }],
    });
    expect(request.body).not.toHaveProperty('webhookUrl');
    expect(sim.tasks.get(taskId)?.workflowId).toBe('1904136902449209346');
  });

  it('accepts the example tools mappings as RunningHubToolConfig (same shape)', () => {
    const config: RunningHubToolConfig<UpscalerInput> = upscaler.provider;
    expect(config.target(upscalerInput.parse(sampleInputs.upscaler))).toMatchObject({
      webappId: '2015865378030755841',
    });
  });

  it('refuses a tool without a RunningHub mapping before calling RunningHub', async () => {
    const error = await rejectionOf(provider.start(startCtx(unmappedTool, { prompt: 'x' })));
    expect(error.code).toBe('VALIDATION');
    expect(error.message).toMatch(/tool unmapped: has no RunningHub mapping/);
    expect(sim.requests).toHaveLength(0);
  });

  it.each([
    ['both ids', { webappId: '1', workflowId: '2', nodeInfoList: [] }, /exactly one of/],
    ['no id', { nodeInfoList: [] }, /exactly one of/],
    ['a bad id', { webappId: '1 OR 1=1', nodeInfoList: [] }, /invalid webappId/],
    ['no list', { webappId: '1' }, /nodeInfoList array/],
    [
      'a bad entry',
      { webappId: '1', nodeInfoList: [{ nodeId: '3', fieldName: 'image' }] },
      /nodeInfoList\[0\]/,
    ],
  ])('refuses a mapping that returns %s (VALIDATION)', async (_what, target, message) => {
    const tool = defineTool({
      id: 'broken',
      input: z.object({}),
      creditCost: 0,
      maxRunMs: 1_000,
      provider: { target: () => target },
    });
    const error = await rejectionOf(provider.start(startCtx(tool, {})));
    expect(error.code).toBe('VALIDATION');
    expect(error.message).toMatch(message);
    expect(sim.requests).toHaveLength(0);
  });

  it('answers 801 (PROVIDER_CONFIG, fatal) for a wrong API key', async () => {
    const wrong = createRunningHubProvider({ apiKey: 'nope', baseUrl: sim.url });
    const error = await rejectionOf(
      wrong.start(startCtx(vesteAi, sampleInputs['veste-ai'], undefined)),
    );
    expect(error).toMatchObject({ code: 'PROVIDER_CONFIG', kind: 'fatal', providerCode: 801 });
    expect(error.message).toMatch(/APIKEY_UNSUPPORTED_FREE_USER/);
    expect(error.message).toMatch(/configuration/);
  });

  it('needs an API key and a valid base URL', () => {
    expect(() => createRunningHubProvider({ apiKey: ' ' })).toThrow(/apiKey is required/);
    expect(() => createRunningHubProvider({ apiKey: 'k', baseUrl: 'not a url' })).toThrow(
      /not a URL/,
    );
  });

  it('treats a prompt refused at creation (taskStatus FAILED) as rejected input', async () => {
    sim.inject({
      path: RUNNINGHUB_PATHS.runAiApp,
      code: 0,
      data: { taskId: '42', taskStatus: 'FAILED', promptTips: '{"node_errors":{"41":"bad"}}' },
    });
    const error = await rejectionOf(startVeste());
    expect(error).toMatchObject({ code: 'PROVIDER_REJECTED', kind: 'invalid' });
    expect(error.message).toMatch(/node_errors/);
  });
});

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
      await p.start(startCtx(vesteAi, sampleInputs['veste-ai']));
      const error = await rejectionOf(p.start(startCtx(vesteAi, sampleInputs['veste-ai'])));
      expect(error).toMatchObject({ code: 'PROVIDER_BUSY', kind: 'busy', providerCode: 421 });
      expect(error.message).toMatch(/TASK_QUEUE_MAXED/);
      expect((await p.accountStatus()).currentTaskCounts).toBe(1);
    } finally {
      await small.close();
    }
  });
});

describe('the simulator checks apps, nodes and keys like RunningHub', () => {
  /** The node fields of each AI app (examples/tools/README.md). */
  const apps = {
    '2015865378030755841': ['26:image', '25:value', '73:value', '91:value', '128:text'],
    '2017030861371219969': ['26:image', '25:value', '75:value', '128:text'],
    '2017343414227963905': ['1:image', '7:value'],
    '2018913880214343681': ['139:image'],
    '2015855359243587585': ['50:image', '48:value'],
    '2019239272464785409': ['39:image', '33:value'],
    '2019234965992509442': ['301:image', '300:value'],
    '2018451429635133442': ['27:image', '60:image'],
    '2018755100210106369': ['41:image', '43:image'],
    '2018810750139109378': ['3:video'],
  };

  it('the four example tools (every upscaler variant) map onto the apps RunningHub knows', async () => {
    const strict = await startRunningHubSimulator({
      apiKeys: [KEY],
      manual: true,
      concurrency: 100,
      apps,
      badKeyCode: 802,
    });
    try {
      const p = createRunningHubProvider({ apiKey: KEY, baseUrl: strict.url });
      const inputs: [AnyTool, Record<string, unknown>][] = [
        ...tools.map((t): [AnyTool, Record<string, unknown>] => [
          t,
          sampleInputs[t.id as keyof typeof sampleInputs],
        ]),
        ...(['fotoAntiga', 'comida', 'logo', 'render3d'] as const).flatMap((category) =>
          (['standard', 'pro'] as const).map((version): [AnyTool, Record<string, unknown>] => [
            upscaler,
            upscalerInput.parse({ image: 'x.webp', category, version, detail: 0.9 }),
          ]),
        ),
        [upscaler, upscalerInput.parse({ image: 'x.webp', framingMode: 'longe' })],
        [
          upscaler,
          upscalerInput.parse({
            image: 'x.webp',
            version: 'standard',
            prompt: 'sharp',
            detailDenoise: 0.2,
          }),
        ],
        [upscaler, upscalerInput.parse({ image: 'x.webp', version: 'pro', editingLevel: 0.5 })],
      ];
      for (const [tool, input] of inputs) {
        const { taskId } = await p.start(startCtx(tool, input));
        expect(strict.tasks.get(taskId)?.status).toBe('RUNNING');
      }
      const wrongKey = createRunningHubProvider({ apiKey: 'x', baseUrl: strict.url });
      expect(await rejectionOf(wrongKey.status('1'))).toMatchObject({
        code: 'PROVIDER_CONFIG',
        providerCode: 802,
      });
    } finally {
      await strict.close();
    }
  });

  it('an unknown app answers 901 and a node the app does not have answers 803', async () => {
    const strict = await startRunningHubSimulator({ apiKeys: [KEY], manual: true, apps });
    try {
      const p = createRunningHubProvider({ apiKey: KEY, baseUrl: strict.url });
      const tool = (target: object) =>
        defineTool({
          id: 'probe',
          input: z.object({}),
          creditCost: 0,
          maxRunMs: 1_000,
          provider: { target: () => target },
        });
      const unknownApp = tool({ webappId: '1', nodeInfoList: [] });
      expect(await rejectionOf(p.start(startCtx(unknownApp, {})))).toMatchObject({
        code: 'PROVIDER_REJECTED',
        providerCode: 901,
      });
      const wrongNode = tool({
        webappId: '2018755100210106369',
        nodeInfoList: [{ nodeId: '42', fieldName: 'image', fieldValue: 'a.png' }],
      });
      const error = await rejectionOf(p.start(startCtx(wrongNode, {})));
      expect(error).toMatchObject({ code: 'PROVIDER_REJECTED', providerCode: 803 });
      expect(error.message).toMatch(/APIKEY_INVALID_NODE_INFO/);
    } finally {
      await strict.close();
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

describe('status and outputs (the watchdog view)', () => {
  it('maps RUNNING, and a task it does not know to unknown', async () => {
    const taskId = await startVeste();
    expect(await provider.status(taskId, ctx())).toEqual({ state: 'running' });
    expect(await provider.status('123', ctx())).toMatchObject({
      state: 'unknown',
      error: { code: '807' },
    });
  });

  it('maps QUEUED to pending', async () => {
    sim.inject({ path: RUNNINGHUB_PATHS.status, code: 0, data: 'QUEUED' });
    expect(await provider.status('1', ctx())).toEqual({ state: 'pending' });
  });

  it('returns the outputs with SUCCESS', async () => {
    const taskId = await startVeste();
    await sim.finish(taskId, 'SUCCESS');
    const status = await provider.status(taskId, ctx());
    expect(status).toMatchObject({
      state: 'completed',
      output: {
        files: [`${sim.url}/outputs/${taskId}/0.png`],
        outputs: [{ url: `${sim.url}/outputs/${taskId}/0.png`, fileType: 'png', nodeId: '9' }],
      },
    });
    expect(sim.requests.map((r) => r.path).slice(-2)).toEqual([
      RUNNINGHUB_PATHS.status,
      RUNNINGHUB_PATHS.outputs,
    ]);
  });

  it('returns the failure reason with FAILED', async () => {
    const taskId = await startVeste();
    await sim.finish(taskId, 'FAILED');
    expect(await provider.status(taskId, ctx())).toEqual({
      state: 'failed',
      error: { code: '805', message: 'the simulated workflow failed (node KSampler)' },
    });
  });

  it('reads 804 as running and 813 as queued from outputs (not failures)', async () => {
    const taskId = await startVeste();
    expect(await provider.outputs(taskId)).toEqual({ state: 'running' });
    sim.inject({ path: RUNNINGHUB_PATHS.outputs, code: 813 });
    expect(await provider.outputs(taskId)).toEqual({ state: 'pending' });
  });

  it('a video task returns an mp4', async () => {
    const { taskId } = await provider.start(
      startCtx(videoUpscaler, sampleInputs['video-upscaler']),
    );
    await sim.finish(taskId);
    const status = await provider.status(taskId, ctx(videoUpscaler));
    expect(status.output).toMatchObject({ outputs: [{ fileType: 'mp4' }] });
  });
});

describe('cancel', () => {
  it('cancels a running task at RunningHub', async () => {
    const taskId = await startVeste();
    await provider.cancel(taskId, ctx());
    expect(sim.tasks.get(taskId)).toMatchObject({ cancelled: true, status: 'FAILED' });
    expect(sim.active()).toBe([...sim.tasks.values()].filter((t) => t.status === 'RUNNING').length);
  });

  it('a task RunningHub does not know, or that already ended, counts as cancelled', async () => {
    await expect(provider.cancel('999', ctx())).resolves.toBeUndefined();
    sim.inject({ path: RUNNINGHUB_PATHS.cancel, code: 805 });
    await expect(provider.cancel('1', ctx())).resolves.toBeUndefined();
  });

  it('a config error on cancel is thrown', async () => {
    sim.inject({ path: RUNNINGHUB_PATHS.cancel, code: 802 });
    expect((await rejectionOf(provider.cancel('1', ctx()))).code).toBe('PROVIDER_CONFIG');
  });
});

describe('upload and account', () => {
  it('uploads a file as multipart and returns fileName as the field value', async () => {
    const fileName = await provider.upload({
      name: 'person.webp',
      contentType: 'image/webp',
      data: new Uint8Array([1, 2, 3, 4]),
    });
    expect(fileName).toMatch(/^api\/\w+\.webp$/);
    expect(sim.uploads.get(fileName)).toEqual({ name: 'person.webp', size: 4, fileType: 'image' });
    const video = await provider.upload({
      name: 'clip.mp4',
      contentType: 'video/mp4',
      data: new Blob([new Uint8Array(10)]),
    });
    expect(sim.uploads.get(video)?.fileType).toBe('video');
  });

  it('refuses a file above 30 MB before sending anything', async () => {
    const error = await rejectionOf(
      provider.upload({
        name: 'big.mp4',
        contentType: 'video/mp4',
        data: new Uint8Array(MAX_UPLOAD_BYTES + 1),
      }),
    );
    expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', providerCode: 809 });
    expect(sim.requests).toHaveLength(0);
  });

  it.each([
    [808, 'PROVIDER_REJECTED'],
    [809, 'PROVIDER_REJECTED'],
    [801, 'PROVIDER_CONFIG'],
  ])('an upload answered %i is %s', async (code, expected) => {
    sim.inject({ path: RUNNINGHUB_PATHS.upload, code });
    const error = await rejectionOf(
      provider.upload({ name: 'a.png', contentType: 'image/png', data: new Uint8Array(1) }),
    );
    expect(error).toMatchObject({ code: expected, providerCode: code });
  });

  it('reads the account status', async () => {
    const account = await provider.accountStatus();
    expect(account).toEqual({
      remainCoins: 100_000,
      currentTaskCounts: sim.active(),
      remainMoney: null,
      currency: null,
      apiType: 'NORMAL',
    });
    expect(sim.requests.at(-1)?.body).toMatchObject({ apikey: '***' });
  });
});

describe('the simulator is deterministic from its seed', () => {
  it('answers the same sequence for the same seed and calls', async () => {
    const run = async (seed: number) => {
      const s = await startRunningHubSimulator({
        seed,
        apiKeys: [KEY],
        manual: true,
        concurrency: 100,
        rates: { busy: 0.3, transient: 0.2, fail: 0.5, lostWebhook: 0.5 },
      });
      try {
        const p = createRunningHubProvider({
          apiKey: KEY,
          baseUrl: s.url,
          retry: { attempts: 1, startAttempts: 1 },
        });
        const answers: string[] = [];
        for (let i = 0; i < 12; i++) {
          answers.push(
            await p.start(startCtx(vesteAi, sampleInputs['veste-ai'])).then(
              (r) =>
                `ok:${r.taskId}:${s.tasks.get(r.taskId)?.willFail}:${s.tasks.get(r.taskId)?.loseWebhook}`,
              (e: { code: string }) => e.code,
            ),
          );
        }
        return answers;
      } finally {
        await s.close();
      }
    };
    const a = await run(11);
    expect(await run(11)).toEqual(a);
    expect(await run(12)).not.toEqual(a);
    expect(a.some((x) => x === 'PROVIDER_BUSY')).toBe(true);
    expect(a.some((x) => x.startsWith('ok:'))).toBe(true);
  });
});
