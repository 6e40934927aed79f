import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { JobGateError, uploadPath } from '@jobgate/core';
import { type Authenticator, errorResponse, readBodyBytes } from '@jobgate/server';
import { FILE_RULES, type FileKind, MAX_BYTES } from '../pages/fileRules.js';

const TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  mp4: 'video/mp4',
  webm: 'video/webm',
};

/** The content type the bytes really have (never what the client claims), or null. */
export function sniff(bytes: Uint8Array): string | null {
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes[0] === 0x89 && ascii(1, 4) === 'PNG') return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  if (ascii(4, 8) === 'ftyp') return 'video/mp4';
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) {
    return 'video/webm';
  }
  return null;
}

/**
 * The local uploader's routes, on the app's own port: `PUT /files/{tool}/{userId}/{jobId}/{name}`
 * stores an input file under `dir` (the signed-in user's own folder only, never overwriting,
 * within the field's size limit, and only if the bytes are what the field takes), `GET` serves
 * it back (paths carry a random job id), `DELETE` removes the user's own file.
 */
export function fileRoutes(options: { dir: string; auth: Authenticator }) {
  return async (request: Request, path: string): Promise<Response> => {
    try {
      const segments = path.split('/').map(decodeURIComponent);
      const [tool = '', userId = '', jobId = '', name = ''] = segments;
      if (segments.length !== 4) throw new JobGateError('NOT_FOUND', 'no such file');
      const relative = uploadPath({ tool, userId, jobId, name });
      const file = join(options.dir, relative);
      if (request.method === 'GET' || request.method === 'HEAD') {
        const bytes = await readFile(file).catch(() => {
          throw new JobGateError('NOT_FOUND', 'no such file');
        });
        const type = TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream';
        return new Response(bytes, {
          headers: {
            'content-type': type,
            'x-content-type-options': 'nosniff',
            'cache-control': 'private, max-age=3600',
          },
        });
      }
      const who = await options.auth.authenticate(request);
      if (who.userId !== userId) {
        throw new JobGateError('FORBIDDEN', 'files go only into your own folder');
      }
      if (request.method === 'DELETE') {
        await rm(file, { force: true });
        return new Response(null, { status: 204 });
      }
      if (request.method !== 'PUT') throw new JobGateError('NOT_FOUND', 'PUT, GET or DELETE');
      const rules = FILE_RULES as Record<string, Record<string, FileKind>>;
      const field = name.replace(/\.[^.]*$/, '');
      const kind = Object.hasOwn(rules, tool) ? rules[tool]![field] : undefined;
      if (!kind) throw new JobGateError('VALIDATION', `${tool} has no file field "${field}"`);
      const bytes = await readBodyBytes(request, MAX_BYTES[kind]);
      if (bytes.byteLength === 0) throw new JobGateError('VALIDATION', 'the file is empty');
      const type = sniff(bytes);
      if (!type?.startsWith(`${kind}/`)) {
        throw new JobGateError(
          'VALIDATION',
          `${field} must be ${kind === 'image' ? 'a PNG, JPEG or WebP image' : 'an MP4 or WebM video'}; this file is ${type ?? 'something else'}`,
        );
      }
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, bytes, { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
        throw error.code === 'EEXIST'
          ? new JobGateError('CONFLICT', 'this file exists already')
          : new JobGateError('STORAGE_ERROR', `could not store the file: ${error.message}`);
      });
      return Response.json({ path: relative }, { status: 201 });
    } catch (error) {
      return errorResponse(error instanceof JobGateError ? error : toStorageError(error));
    }
  };
}

function toStorageError(error: unknown): JobGateError {
  return error instanceof Error && 'code' in error && typeof error.code === 'string'
    ? new JobGateError('STORAGE_ERROR', error.message)
    : new JobGateError('INTERNAL', error instanceof Error ? error.message : String(error));
}
