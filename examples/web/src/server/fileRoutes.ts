import { type AnyTool, JobGateError, uploadPath } from '@jobgate/core';
import { sniffContentType } from '@jobgate/core/adapter';
import { type Authenticator, errorResponse, readBodyBytes } from '@jobgate/server';
import type { LocalFileStorage } from '@jobgate/server/node';

/** The limit of a file field whose tool sets none: RunningHub's upload limit. */
const DEFAULT_MAX_BYTES = 30 * 1024 * 1024;

/**
 * The local uploader's routes, on the app's own port, over the app's file storage (the one
 * the runner reads the inputs from and copies the results into):
 * `PUT /files/{tool}/{userId}/{jobId}/{name}` stores an input file (the signed-in user's own
 * folder only, never overwriting, within the field's size limit, and only if the bytes are
 * of a type the field accepts: each tool's `files` rules, never an SVG), `DELETE` removes the user's own file, and `GET` answers only a signed URL the server
 * gave out (a job's results, through `GET /api/jobs/:id/files`), with the storage's headers.
 */
export function fileRoutes(options: {
  storage: LocalFileStorage;
  auth: Authenticator;
  tools: readonly AnyTool[];
}) {
  return async (request: Request, path: string): Promise<Response> => {
    try {
      if (request.method === 'GET' || request.method === 'HEAD') {
        return await options.storage.serve(request);
      }
      const segments = path.split('/').map(decodeURIComponent);
      const [tool = '', userId = '', jobId = '', name = ''] = segments;
      if (segments.length !== 4) throw new JobGateError('NOT_FOUND', 'no such file');
      const relative = uploadPath({ tool, userId, jobId, name });
      const who = await options.auth.authenticate(request);
      if (who.userId !== userId) {
        throw new JobGateError('FORBIDDEN', 'files go only into your own folder');
      }
      if (request.method === 'DELETE') {
        await options.storage.remove([relative]);
        return new Response(null, { status: 204 });
      }
      if (request.method !== 'PUT') throw new JobGateError('NOT_FOUND', 'PUT, GET or DELETE');
      const field = name.replace(/\.[^.]*$/, '');
      const rules = options.tools.find((t) => t.id === tool)?.fileRules;
      const rule = rules && Object.hasOwn(rules, field) ? rules[field] : undefined;
      if (!rule) throw new JobGateError('VALIDATION', `${tool} has no file field "${field}"`);
      const bytes = await readBodyBytes(request, rule.maxBytes ?? DEFAULT_MAX_BYTES);
      if (bytes.byteLength === 0) throw new JobGateError('VALIDATION', 'the file is empty');
      const type = sniffContentType(bytes);
      const accepted =
        type !== null &&
        type !== 'image/svg+xml' &&
        (rule.accept.length === 0 || rule.accept.includes(type));
      if (!accepted) {
        throw new JobGateError(
          'VALIDATION',
          `${field} must be ${rule.accept.join(', ') || 'a file'}; this file is ${type ?? 'something else'}`,
        );
      }
      await options.storage.write(relative, new Blob([bytes as Uint8Array<ArrayBuffer>]).stream(), {
        contentType: type,
        ifAbsent: true,
      });
      return Response.json({ path: relative }, { status: 201 });
    } catch (error) {
      return errorResponse(error);
    }
  };
}
