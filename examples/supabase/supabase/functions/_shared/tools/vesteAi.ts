import { defineTool } from '@jobgate/core';
import { z } from 'zod';
import { IMAGE } from './fileKinds.ts';
import type { RunningHubTarget } from './runningHubTarget.ts';

export const vesteAiInput = z
  .object({ person: z.string().min(1), clothing: z.string().min(1) })
  .strict();
export type VesteAiInput = z.infer<typeof vesteAiInput>;

/** Veste AI, the virtual try-on. */
export const vesteAi = defineTool({
  id: 'veste-ai',
  name: 'Veste AI',
  description: 'Virtual try-on: a person wearing the garment.',
  input: vesteAiInput,
  creditCost: 60,
  maxRunMs: 10 * 60_000,
  pollIntervalMs: 20_000,
  files: { person: IMAGE, clothing: IMAGE },
  fields: { person: { label: 'Person' }, clothing: { label: 'Garment' } },
  provider: {
    target: (input) => ({
      webappId: '2018755100210106369',
      nodeInfoList: [
        { nodeId: '41', fieldName: 'image', fieldValue: input.person },
        { nodeId: '43', fieldName: 'image', fieldValue: input.clothing },
      ],
    }),
  } satisfies RunningHubTarget<VesteAiInput>,
});
