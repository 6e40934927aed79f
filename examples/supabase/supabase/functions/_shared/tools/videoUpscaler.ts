import { defineTool } from '@jobgate/core';
import { z } from 'zod';
import type { RunningHubTarget } from './runningHubTarget.ts';

export const videoUpscalerInput = z.object({ video: z.string().min(1) }).strict();
export type VideoUpscalerInput = z.infer<typeof videoUpscalerInput>;

/** Runs much longer than the image tools. */
export const videoUpscaler = defineTool({
  id: 'video-upscaler',
  name: 'Video Upscaler',
  input: videoUpscalerInput,
  creditCost: 150,
  maxRunMs: 45 * 60_000,
  pollIntervalMs: 30_000,
  files: ['video'],
  provider: {
    target: (input) => ({
      webappId: '2018810750139109378',
      nodeInfoList: [{ nodeId: '3', fieldName: 'video', fieldValue: input.video }],
    }),
  } satisfies RunningHubTarget<VideoUpscalerInput>,
});
