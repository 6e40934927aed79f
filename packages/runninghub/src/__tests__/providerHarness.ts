import type { AnyTool } from '@jobgate/core';
import { sampleInputs, tools } from '@jobgate/example-tools';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createRunningHubProvider, type RunningHubProvider } from '../runningHubProvider.js';
import { type RunningHubSimulator, startRunningHubSimulator } from '../runningHubSimulator.js';
import { jobFor } from './helpers.js';

export const KEY = 'test-key';
export const vesteAi = tools.find((t) => t.id === 'veste-ai')!;
export const videoUpscaler = tools.find((t) => t.id === 'video-upscaler')!;

/** The file's simulator and the provider on it, set by {@link useSimulatedProvider}. */
export let sim: RunningHubSimulator;
export let provider: RunningHubProvider;

export const signal = () => AbortSignal.timeout(5_000);
export const startCtx = (tool: AnyTool, input: Record<string, unknown>, webhookUrl?: string) => ({
  job: jobFor(tool, input),
  tool,
  signal: signal(),
  webhookUrl,
});
export const ctx = (tool: AnyTool = vesteAi) => ({
  job: jobFor(tool, {}),
  tool,
  signal: signal(),
});
export const startVeste = async (webhookUrl?: string) =>
  (await provider.start(startCtx(vesteAi, sampleInputs['veste-ai'], webhookUrl))).taskId;

/**
 * One manual simulator (seed 3, room for 50 tasks) and a provider with short backoffs for
 * the whole file; each test starts with no logged request and no pending injection.
 */
export function useSimulatedProvider(): void {
  beforeAll(async () => {
    sim = await startRunningHubSimulator({
      seed: 3,
      apiKeys: [KEY],
      manual: true,
      concurrency: 50,
    });
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
}
