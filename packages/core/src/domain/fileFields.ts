import { uploadPath } from '../ports/uploader.js';
import { JobGateError } from './errors.js';
import type { JsonObject } from './job.js';
import type { AnyTool } from './tool.js';

/** Who a job's files must belong to: its tool, its user and the job itself. */
export interface FileOwner {
  tool: string;
  userId: string;
  jobId: string;
}

/** The prefix of the result files jobgate stores beside a job's inputs (`output-1.png`). */
export const OUTPUT_FILE_PREFIX = 'output-';

/**
 * True when `path` is an input file of this very job: `{tool}/{userId}/{jobId}/{name}`, the
 * path `uploadPath` gives an upload (one safe segment each), and not one of the job's own
 * result names.
 */
export function isJobInputPath(path: string, owner: FileOwner): boolean {
  const parts = path.split('/');
  if (parts.length !== 4) return false;
  const [tool, userId, jobId, name = ''] = parts;
  if (tool !== owner.tool || userId !== owner.userId || jobId !== owner.jobId) return false;
  if (name.startsWith(OUTPUT_FILE_PREFIX)) return false;
  try {
    return uploadPath({ tool, userId, jobId, name }) === path;
  } catch {
    return false;
  }
}

/**
 * The rule of every file field (`tool.files`): its value is a file the caller uploaded for
 * this job, so nobody can have another user's file, another tool's or another job's
 * processed. VALIDATION otherwise, checked before the job's row exists. A field left out
 * (an optional file) is not checked.
 */
export function checkFileFields(tool: AnyTool, input: JsonObject, owner: FileOwner): void {
  for (const field of tool.files) {
    const value = input[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || !isJobInputPath(value, owner)) {
      throw new JobGateError(
        'VALIDATION',
        `${field} must be a file uploaded for this job, under ${owner.tool}/{your user id}/${owner.jobId}/`,
        { jobId: owner.jobId },
      );
    }
  }
}
