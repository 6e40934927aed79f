import { defineTool } from '@jobgate/core';
import { sampleInputs, type UpscalerInput, upscaler, upscalerInput } from '@jobgate/example-tools';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MAX_UPLOAD_BYTES, RUNNINGHUB_PATHS } from '../runningHubPaths.js';
import { createRunningHubProvider } from '../runningHubProvider.js';
import type { RunningHubToolConfig } from '../runningHubToolConfig.js';
import { rejectionOf, unmappedTool, workflowTool } from './helpers.js';
import {
  ctx,
  provider,
  sim,
  startCtx,
  startVeste,
  useSimulatedProvider,
  vesteAi,
  videoUpscaler,
} from './providerHarness.js';

useSimulatedProvider();

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
