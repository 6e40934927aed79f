import { defineTool } from '@jobgate/core';
import { z } from 'zod';
import { IMAGE } from './fileKinds.ts';
import type { RunningHubTarget } from './runningHubTarget.ts';

export const poseChangerInput = z
  .object({ person: z.string().min(1), reference: z.string().min(1) })
  .strict();
export type PoseChangerInput = z.infer<typeof poseChangerInput>;

export const poseChanger = defineTool({
  id: 'pose-changer',
  name: 'Pose Changer',
  description: 'The person of one image in the pose of another.',
  input: poseChangerInput,
  creditCost: 60,
  maxRunMs: 10 * 60_000,
  pollIntervalMs: 20_000,
  files: { person: IMAGE, reference: IMAGE },
  fields: { person: { label: 'Person' }, reference: { label: 'Pose reference' } },
  provider: {
    target: (input) => ({
      webappId: '2018451429635133442',
      nodeInfoList: [
        { nodeId: '27', fieldName: 'image', fieldValue: input.person },
        { nodeId: '60', fieldName: 'image', fieldValue: input.reference },
      ],
    }),
  } satisfies RunningHubTarget<PoseChangerInput>,
});
