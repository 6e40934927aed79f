import { defineTool } from '@jobgate/core';
import { z } from 'zod';
import { VIDEO } from './fileKinds.ts';
import type { RunningHubTarget } from './runningHubTarget.ts';

export const videoUpscalerInput = z.object({ video: z.string().min(1) }).strict();
export type VideoUpscalerInput = z.infer<typeof videoUpscalerInput>;

/** Runs much longer than the image tools. */
export const videoUpscaler = defineTool({
  id: 'video-upscaler',
  name: 'Video Upscaler',
  description: 'A sharper video; a long run with progress.',
  input: videoUpscalerInput,
  creditCost: 150,
  maxRunMs: 45 * 60_000,
  pollIntervalMs: 30_000,
  files: { video: VIDEO },
  fields: { video: { label: 'Video' } },
  provider: {
    target: (input) => ({
      webappId: '2018810750139109378',
      nodeInfoList: [{ nodeId: '3', fieldName: 'video', fieldValue: input.video }],
    }),
  } satisfies RunningHubTarget<VideoUpscalerInput>,
});
