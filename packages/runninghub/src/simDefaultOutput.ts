import type { SimInput } from './simFileNodes.js';
import type { SimOutputFile, SimTask } from './simTask.js';

/** A 1×1 PNG: the smallest real image, so a copy of the result reads as `image/png`. */
const PNG = Uint8Array.from(
  atob(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  ),
  (c) => c.charCodeAt(0),
);

/** An MP4's first box (`ftyp`, brand isom): enough for its type to read as `video/mp4`. */
const MP4 = Uint8Array.from([
  0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d, 0, 0, 2, 0, 0x69, 0x73, 0x6f, 0x6d,
  0x69, 0x73, 0x6f, 0x32,
]);

/**
 * The result of a task when the simulator has no `output` option: a 1×1 PNG, or a minimal
 * MP4 for a task with a video field. The same few bytes for every task, so keeping every
 * task's result costs no memory.
 */
export function simDefaultOutput(task: SimTask, _inputs: readonly SimInput[]): SimOutputFile {
  const video = task.nodeInfoList.some((n) => n.fieldName === 'video');
  return video
    ? { data: MP4, contentType: 'video/mp4', ext: 'mp4' }
    : { data: PNG, contentType: 'image/png', ext: 'png' };
}
