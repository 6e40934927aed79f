/**
 * What each tool's file fields accept, checked by the pages before anything is uploaded to
 * Storage (RunningHub refuses a file over 30 MB again, and the job fails refunded). Plain data.
 */
export type FileKind = 'image' | 'video';

export const FILE_RULES = {
  upscaler: { image: 'image' },
  'pose-changer': { person: 'image', reference: 'image' },
  'veste-ai': { person: 'image', clothing: 'image' },
  'video-upscaler': { video: 'video' },
} as const satisfies Record<string, Record<string, FileKind>>;

/** Largest accepted file per kind. Images: the app sent ≤ 2 MB WebP; RunningHub takes ≤ 30 MB. */
export const MAX_BYTES: Record<FileKind, number> = {
  image: 8 * 1024 * 1024,
  video: 30 * 1024 * 1024,
};

export const ACCEPT: Record<FileKind, string> = {
  image: 'image/png,image/jpeg,image/webp',
  video: 'video/mp4,video/webm',
};

/** A clear message for a file the field cannot take, or null when it is fine. */
export function fileProblem(kind: FileKind, file: { size: number; type: string }): string | null {
  if (file.size === 0) return 'the file is empty';
  if (!ACCEPT[kind].split(',').includes(file.type)) {
    return `${file.type || 'this file type'} is not accepted here: choose ${kind === 'image' ? 'a PNG, JPEG or WebP image' : 'an MP4 or WebM video'}`;
  }
  if (file.size > MAX_BYTES[kind]) {
    return `the file is ${mb(file.size)}; at most ${mb(MAX_BYTES[kind])} for ${kind === 'image' ? 'an image' : 'a video'}`;
  }
  return null;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
