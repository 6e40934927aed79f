import type { poseChanger, upscaler, vesteAi, videoUpscaler } from './index.js';

/** A valid input per tool, for tests and the demo. */
export const sampleInputs = {
  upscaler: {
    image: 'upscaler/u/j/photo.webp',
    category: 'pessoas',
    version: 'pro',
    resolution: 2048,
  },
  'pose-changer': {
    person: 'pose-changer/u/j/person.webp',
    reference: 'pose-changer/u/j/pose.webp',
  },
  'veste-ai': { person: 'veste-ai/u/j/person.webp', clothing: 'veste-ai/u/j/shirt.webp' },
  'video-upscaler': { video: 'video-upscaler/u/j/clip.mp4' },
} as const satisfies Record<
  (typeof upscaler | typeof poseChanger | typeof vesteAi | typeof videoUpscaler)['id'],
  Record<string, unknown>
>;

/** Inputs each tool must refuse (VALIDATION). */
export const invalidInputs = {
  upscaler: { image: 'x.webp', category: 'unknown-category' },
  'pose-changer': { person: 'p.webp' },
  'veste-ai': { person: 'p.webp', clothing: 42 },
  'video-upscaler': {},
} as const;
