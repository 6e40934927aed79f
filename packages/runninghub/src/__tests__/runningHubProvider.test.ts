import { defineTool } from '@jobgate/core';
import { sampleInputs, type UpscalerInput, upscaler, upscalerInput } from '@jobgate/example-tools';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RUNNINGHUB_PATHS } from '../runningHubPaths.js';
import { createRunningHubProvider } from '../runningHubProvider.js';
import type { RunningHubToolConfig } from '../runningHubToolConfig.js';
import { rejectionOf, unmappedTool, workflowTool } from './helpers.js';
import {
  ctx,
  provider,
  sim,
  startCtx,
  startVeste,
  uploadedInput,
  useSimulatedProvider,
  vesteAi,
  videoUpscaler,
} from './providerHarness.js';

useSimulatedProvider();

describe('start', () => {
  it('runs an AI app with its nodeInfoList (the uploads’ fileNames) and the per-job webhook URL', async () => {
    const input = await uploadedInput(provider, vesteAi, sampleInputs['veste-ai']);
    expect(input.person).toMatch(/^api\/\w+\.png$/);
    const { taskId } = await provider.start(
      startCtx(vesteAi, input, 'https://app.example/webhooks/runninghub/j.tok'),
    );
    expect(taskId).toMatch(/^\d+$/);
    expect(sim.requests.map((r) => r.path)).toEqual([
      RUNNINGHUB_PATHS.upload,
      RUNNINGHUB_PATHS.upload,
      RUNNINGHUB_PATHS.runAiApp,
    ]);
    const request = sim.requests.at(-1)!;
    expect(request.body).toMatchObject({
      apiKey: '***',
      webappId: '2018755100210106369',
      webhookUrl: 'https://app.example/webhooks/runninghub/j.tok',
      nodeInfoList: [
        { nodeId: '41', fieldName: 'image', fieldValue: input.person },
        { nodeId: '43', fieldName: 'image', fieldValue: input.clothing },
      ],
    });
    expect(sim.tasks.get(taskId)).toMatchObject({
      status: 'RUNNING',
      webappId: '2018755100210106369',
      webhookUrl: 'https://app.example/webhooks/runninghub/j.tok',
    });
  });

  it('a file field holding a storage path, not an upload, is refused (433, PROVIDER_REJECTED) and starts nothing', async () => {
    const error = await rejectionOf(provider.start(startCtx(vesteAi, sampleInputs['veste-ai'])));
    expect(error).toMatchObject({ code: 'PROVIDER_REJECTED', kind: 'invalid', providerCode: 433 });
    expect(error.message).toContain(
      `node 41 (LoadImage): image - Invalid image file: ${sampleInputs['veste-ai'].person}`,
    );
    expect(sim.requests.at(-1)).toMatchObject({ path: RUNNINGHUB_PATHS.runAiApp, code: 433 });
    expect(sim.active()).toBe([...sim.tasks.values()].filter((t) => t.status === 'RUNNING').length);
    const before = sim.tasks.size;
    // One real upload and one path: still refused, naming the path's node only.
    const input = await uploadedInput(provider, vesteAi, sampleInputs['veste-ai']);
    const mixed = await rejectionOf(
      provider.start(startCtx(vesteAi, { ...input, clothing: 'veste-ai/u/j/shirt.webp' })),
    );
    expect(mixed.message).toContain('node 43 (LoadImage)');
    expect(mixed.message).not.toContain('node 41');
    expect(sim.tasks.size).toBe(before);
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

  it('returns the outputs with SUCCESS, at a URL carrying the task’s secret token', async () => {
    const taskId = await startVeste();
    await sim.finish(taskId, 'SUCCESS');
    const status = await provider.status(taskId, ctx());
    const token = sim.tasks.get(taskId)!.outputToken;
    expect(token).toMatch(/^[\w-]{24}$/);
    const url = `${sim.url}/outputs/${taskId}/${token}/0.png`;
    expect(status).toMatchObject({
      state: 'completed',
      output: { files: [url], outputs: [{ url, fileType: 'png', nodeId: '9' }] },
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
    const input = await uploadedInput(provider, videoUpscaler, sampleInputs['video-upscaler']);
    const { taskId } = await provider.start(startCtx(videoUpscaler, input));
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

describe('account', () => {
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
