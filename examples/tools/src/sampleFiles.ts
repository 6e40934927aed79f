import { sampleInputs } from './fixtures.js';
import type { poseChanger, upscaler, vesteAi, videoUpscaler } from './index.js';

type ToolId = (typeof upscaler | typeof poseChanger | typeof vesteAi | typeof videoUpscaler)['id'];

/** A 1×1 PNG: the smallest real image, for every image field. */
export const SAMPLE_PNG = Uint8Array.from(
  atob(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  ),
  (c) => c.charCodeAt(0),
);

/** An MP4's first box (`ftyp`, brand isom): what a video field's bytes start with. */
export const SAMPLE_MP4 = Uint8Array.from([
  0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d, 0, 0, 2, 0, 0x69, 0x73, 0x6f, 0x6d,
  0x69, 0x73, 0x6f, 0x32,
]);

/** The file fields of each tool and the name each upload gets (`{field}.{ext}`, as JobClient names them). */
export const SAMPLE_FILE_NAMES = {
  upscaler: { image: 'image.png' },
  'pose-changer': { person: 'person.png', reference: 'reference.png' },
  'veste-ai': { person: 'person.png', clothing: 'clothing.png' },
  'video-upscaler': { video: 'video.mp4' },
} as const satisfies Record<ToolId, Record<string, string>>;

/** Who uploads a job's files: its user and the job id (the folder `{tool}/{userId}/{jobId}/`). */
export interface SampleOwner {
  userId: string;
  jobId: string;
}

/**
 * A valid input of `tool` for one job: `sampleInputs[tool]` with each file field pointing at
 * the job's own upload, `{tool}/{userId}/{jobId}/{name}` (the only paths a submit accepts).
 */
export function sampleInput<T extends ToolId>(
  tool: T,
  owner: SampleOwner,
): (typeof sampleInputs)[T] {
  const paths = Object.fromEntries(
    Object.entries(SAMPLE_FILE_NAMES[tool]).map(([field, name]) => [
      field,
      `${tool}/${owner.userId}/${owner.jobId}/${name}`,
    ]),
  );
  return { ...sampleInputs[tool], ...paths } as (typeof sampleInputs)[T];
}

/**
 * {@link sampleInput}, with its files put into `storage` as the browser's upload would
 * (a PNG per image field, an MP4 header for the video).
 */
export function uploadSampleInput<T extends ToolId>(
  storage: { put(path: string, data: Uint8Array): void },
  tool: T,
  owner: SampleOwner,
): (typeof sampleInputs)[T] {
  const input = sampleInput(tool, owner);
  for (const field of Object.keys(SAMPLE_FILE_NAMES[tool])) {
    const path = (input as Record<string, unknown>)[field] as string;
    storage.put(path, tool === 'video-upscaler' ? SAMPLE_MP4 : SAMPLE_PNG);
  }
  return input;
}
