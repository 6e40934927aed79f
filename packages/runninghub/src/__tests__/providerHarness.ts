import type { AnyTool, ProviderFile } from '@jobgate/core';
import { sniffContentType } from '@jobgate/core/adapter';
import { SAMPLE_MP4, SAMPLE_PNG, sampleInputs, tools } from '@jobgate/example-tools';
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

/**
 * A ProviderFile as the runner hands it over (bytes read only when asked). `urlCalls`
 * counts `url()`: RunningHub gets the bytes, never a link.
 */
export function providerFile(
  name: string,
  bytes: Uint8Array,
  options: { contentType?: string; field?: string; size?: number } = {},
): ProviderFile & { urlCalls: number; blobCalls: number } {
  const contentType = options.contentType ?? sniffContentType(bytes) ?? 'application/octet-stream';
  const file = {
    field: options.field ?? 'image',
    name,
    contentType,
    size: options.size ?? bytes.byteLength,
    urlCalls: 0,
    blobCalls: 0,
    async blob() {
      file.blobCalls++;
      return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: contentType });
    },
    async url() {
      file.urlCalls++;
      return `https://storage.example/${name}`;
    },
  };
  return file;
}

/**
 * `input` with each file field of `tool` replaced by the `fileName` of an upload through
 * `p` (a PNG, or an MP4 for a video), as the runner does before every start.
 */
export async function uploadedInput(
  p: RunningHubProvider,
  tool: AnyTool,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const out = { ...input };
  for (const field of tool.files) {
    const video = field === 'video';
    const file = providerFile(
      `${field}.${video ? 'mp4' : 'png'}`,
      video ? SAMPLE_MP4 : SAMPLE_PNG,
      {
        field,
      },
    );
    out[field] = await p.upload(file, signal());
  }
  return out;
}

/** Starts a Veste AI task with two uploaded images; resolves with its task id. */
export const startVeste = async (webhookUrl?: string) => {
  const input = await uploadedInput(provider, vesteAi, sampleInputs['veste-ai']);
  return (await provider.start(startCtx(vesteAi, input, webhookUrl))).taskId;
};

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
    sim.downloads.length = 0;
    sim.clearInjections();
  });
}
