import { defineTool } from '@jobgate/core';
import { z } from 'zod';
import { IMAGE } from './fileKinds.ts';
import type { NodeInfo, RunningHubTarget } from './runningHubTarget.ts';

const categories = ['pessoas', 'fotoAntiga', 'comida', 'logo', 'render3d'] as const;

export const upscalerInput = z
  .object({
    image: z.string().min(1),
    category: z.enum(categories).default('pessoas'),
    version: z.enum(['standard', 'pro']).default('standard'),
    detailDenoise: z.number().min(0).max(1).optional(),
    resolution: z.union([z.literal(2048), z.literal(4096)]).default(2048),
    prompt: z.string().max(2000).optional(),
    framingMode: z.enum(['perto', 'longe']).default('perto'),
    editingLevel: z.number().min(0).max(1).optional(),
    detail: z.number().min(0).max(1).optional(),
  })
  .strict();

export type UpscalerInput = z.infer<typeof upscalerInput>;

const image = (nodeId: string, value: string): NodeInfo => ({
  nodeId,
  fieldName: 'image',
  fieldValue: value,
});
const value = (nodeId: string, v: number): NodeInfo => ({
  nodeId,
  fieldName: 'value',
  fieldValue: v,
});

/** Upscaler Arcano: the app id and node map depend on category, version and framing (examples/tools/README.md). */
export function upscalerTarget(input: UpscalerInput): {
  webappId: string;
  nodeInfoList: NodeInfo[];
} {
  // The provider app caps resolution at 2048.
  const resolution = Math.min(input.resolution, 2048);
  switch (input.category) {
    case 'pessoas': {
      if (input.framingMode === 'longe') {
        return {
          webappId: '2017343414227963905',
          nodeInfoList: [image('1', input.image), value('7', resolution)],
        };
      }
      const nodes = [image('26', input.image), value('25', input.detailDenoise ?? 0.15)];
      if (input.version === 'pro') {
        nodes.push(value('73', resolution));
        if (input.editingLevel !== undefined) nodes.push(value('91', input.editingLevel));
      } else {
        nodes.push(value('75', resolution));
      }
      if (input.prompt) nodes.push({ nodeId: '128', fieldName: 'text', fieldValue: input.prompt });
      return {
        webappId: input.version === 'pro' ? '2015865378030755841' : '2017030861371219969',
        nodeInfoList: nodes,
      };
    }
    case 'fotoAntiga':
      return { webappId: '2018913880214343681', nodeInfoList: [image('139', input.image)] };
    case 'comida':
      return {
        webappId: '2015855359243587585',
        nodeInfoList: [
          image('50', input.image),
          value('48', Math.min(1, Math.max(0.7, input.detail ?? 0.85))),
        ],
      };
    case 'logo': {
      const nodes = [image('39', input.image)];
      if (input.version === 'pro' && input.detail !== undefined)
        nodes.push(value('33', input.detail));
      return { webappId: '2019239272464785409', nodeInfoList: nodes };
    }
    case 'render3d': {
      const nodes = [image('301', input.image)];
      if (input.version === 'pro' && input.detail !== undefined)
        nodes.push(value('300', input.detail));
      return { webappId: '2019234965992509442', nodeInfoList: nodes };
    }
  }
}

export const upscaler = defineTool({
  id: 'upscaler',
  name: 'Upscaler Arcano',
  description: 'A sharper, larger image, tuned to what it shows.',
  input: upscalerInput,
  creditCost: (input) => (input.version === 'pro' ? 80 : 60),
  maxRunMs: 10 * 60_000,
  pollIntervalMs: 20_000,
  files: { image: IMAGE },
  fields: {
    image: { label: 'Image' },
    category: { label: 'Category' },
    version: { label: 'Version' },
    resolution: { label: 'Resolution', help: 'the provider caps it at 2048' },
    detailDenoise: { label: 'Detail denoise', help: '0–1, default 0.15 (people, close-up)' },
    editingLevel: { label: 'Editing level', help: '0–1 (people, close-up, pro)' },
    detail: { label: 'Detail', help: '0–1 (food; logo and 3D in pro)' },
    prompt: { label: 'Prompt', help: 'people, close-up' },
    framingMode: { label: 'Framing' },
  },
  provider: { target: upscalerTarget } satisfies RunningHubTarget<UpscalerInput>,
});
