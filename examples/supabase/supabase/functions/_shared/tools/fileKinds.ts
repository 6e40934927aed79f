import type { FileRule } from '@jobgate/core';

/** An image field: what the app sent (≤ 2 MB WebP) with room; RunningHub takes ≤ 30 MB. */
export const IMAGE: FileRule = {
  accept: ['image/png', 'image/jpeg', 'image/webp'],
  maxBytes: 8 * 1024 * 1024,
};

/** A video field: RunningHub's upload limit. */
export const VIDEO: FileRule = { accept: ['video/mp4', 'video/webm'], maxBytes: 30 * 1024 * 1024 };
