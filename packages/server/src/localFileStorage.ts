import { createReadStream, createWriteStream, openAsBlob } from 'node:fs';
import { link, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type FileStorage, JobGateError } from '@jobgate/core';
import {
  type FileWriteOptions,
  hmacSha256,
  SNIFF_BYTES,
  type StoredFile,
  sniffContentType,
  timingSafeEqual,
} from '@jobgate/core/adapter';
import { errorResponse } from './jsonResponse.js';

export interface LocalFileStorageOptions {
  /** The folder the files live in (created when needed). */
  dir: string;
  /** Signs the URLs: a server secret, 16 characters or more. */
  secret: string;
  /**
   * Where {@link LocalFileStorage.serve} is mounted, e.g. `http://127.0.0.1:5173/files`: a
   * signed URL is `{baseUrl}/{path}?expires=…&signature=…`.
   */
  baseUrl: string;
}

/** A FileStorage on the local disk, with the route that serves its signed URLs. */
export interface LocalFileStorage extends FileStorage {
  /**
   * `GET`/`HEAD {baseUrl}/{path}?expires&signature`: the file, typed from its bytes, with
   * byte ranges (video seeking) and headers that keep it from acting as a page of the app
   * (`nosniff`, a sandboxing CSP, `Content-Disposition`). A missing, bad or expired
   * signature is 403 and a missing file 404, both as JSON errors.
   */
  serve(request: Request): Promise<Response>;
}

const SEGMENT = /^[A-Za-z0-9._-]{1,128}$/;
/** What a served file may do when opened directly: nothing but show itself. */
const SANDBOX_CSP =
  "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; sandbox";

function notFound(path: string, cause?: unknown): JobGateError {
  return new JobGateError('STORAGE_ERROR', `no file at ${path}`, {
    kind: 'invalid',
    cause,
    details: { path, reason: 'missing' },
  });
}

function failed(path: string, cause: unknown): JobGateError {
  return new JobGateError('STORAGE_ERROR', `the file store failed at ${path}`, {
    kind: 'transient',
    cause,
    details: { path },
  });
}

const isMissing = (error: unknown) => (error as { code?: unknown })?.code === 'ENOENT';

/** A Range header as one range within `size`: null to ignore it (none, or not one valid range), 'unsatisfiable' for 416. */
type ByteRange = [start: number, end: number] | null | 'unsatisfiable';

/**
 * Files on this machine's disk under `dir`, at their storage paths (`{tool}/{userId}/{jobId}/
 * {name}`, each segment checked, so no path leaves `dir`). Writes go to a temporary file
 * renamed into place, so a body cut half-way leaves nothing; a file's type is read from its
 * bytes; signed URLs carry an expiry and an HMAC of the path under `secret`. For one machine
 * (development, the demo, a single server); several instances need a shared storage.
 */
export function localFileStorage(options: LocalFileStorageOptions): LocalFileStorage {
  if (options.secret.length < 16) {
    throw new JobGateError(
      'VALIDATION',
      'localFileStorage: the secret needs 16 characters or more',
    );
  }
  const root = resolve(options.dir);
  const base = new URL(options.baseUrl);
  // The mount's path without its trailing slash: '' at the root of a host, so a URL's path is
  // `${mount}/${path}` (a bare '/' would make it `//tool/…`, another host).
  const mount = base.pathname.replace(/\/+$/, '');
  const fileOf = (path: string): string => {
    const segments = path.split('/');
    if (
      segments.length === 0 ||
      !segments.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..')
    ) {
      throw new JobGateError('VALIDATION', 'not a storage path', { details: { path } });
    }
    const file = join(root, ...segments);
    if (!file.startsWith(root + sep)) throw new JobGateError('VALIDATION', 'not a storage path');
    return file;
  };
  const signature = (path: string, expires: number) =>
    hmacSha256(options.secret, `jobgate-file:${path}:${expires}`);
  /** Size and type (from its first bytes) of the file at `path`; `invalid` when no file is there (a folder is none). */
  const inspect = async (path: string, file: string) => {
    let handle: Awaited<ReturnType<typeof open>> | undefined;
    try {
      handle = await open(file, 'r');
      const info = await handle.stat();
      if (!info.isFile()) throw notFound(path);
      const head = new Uint8Array(SNIFF_BYTES);
      const { bytesRead } = await handle.read(head, 0, SNIFF_BYTES, 0);
      const contentType =
        sniffContentType(head.subarray(0, bytesRead), { svg: true }) ?? 'application/octet-stream';
      return { size: info.size, contentType };
    } catch (error) {
      if (error instanceof JobGateError) throw error;
      throw isMissing(error) ? notFound(path, error) : failed(path, error);
    } finally {
      await handle?.close();
    }
  };

  const storage: LocalFileStorage = {
    async read(path: string): Promise<StoredFile> {
      const file = fileOf(path);
      const { size, contentType } = await inspect(path, file);
      return {
        path,
        size,
        contentType,
        blob: async () => {
          try {
            return await openAsBlob(file, { type: contentType });
          } catch (error) {
            throw isMissing(error) ? notFound(path, error) : failed(path, error);
          }
        },
      };
    },

    async write(path: string, body: ReadableStream<Uint8Array>, writeOptions: FileWriteOptions) {
      const file = fileOf(path);
      const partial = `${file}.${crypto.randomUUID()}.partial`;
      const conflict = () =>
        new JobGateError('CONFLICT', 'this file exists already', { details: { path } });
      try {
        // Refused before the body is read (an upload of a GiB is not taken to be thrown away);
        // link() below still settles two writes that race.
        if (writeOptions.ifAbsent && (await exists(file))) throw conflict();
        await mkdir(dirname(file), { recursive: true });
        await pipeline(
          Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>),
          createWriteStream(partial, { flags: 'wx' }),
          ...(writeOptions.signal ? [{ signal: writeOptions.signal }] : []),
        );
        if (writeOptions.ifAbsent) {
          // link() refuses an existing target: two uploads to one path cannot both land.
          await link(partial, file).catch((error: unknown) => {
            if ((error as { code?: unknown })?.code === 'EEXIST') throw conflict();
            throw error;
          });
          await rm(partial, { force: true });
        } else {
          await rename(partial, file);
        }
      } catch (error) {
        await rm(partial, { force: true }).catch(() => undefined);
        // A body the write never read is released (rejects harmlessly when the pipe took it).
        await body.cancel().catch(() => undefined);
        if (error instanceof JobGateError) throw error;
        throw failed(path, error);
      }
    },

    async signedUrl(path: string, expiresInSeconds: number): Promise<string> {
      fileOf(path);
      if (!Number.isFinite(expiresInSeconds) || expiresInSeconds <= 0) {
        throw new JobGateError('VALIDATION', 'expiresInSeconds must be a positive number');
      }
      const expires = Math.floor(Date.now() / 1000) + Math.max(1, Math.round(expiresInSeconds));
      // Each segment is [A-Za-z0-9._-] (fileOf): nothing to escape.
      const url = new URL(`${mount}/${path}`, base.origin);
      url.searchParams.set('expires', String(expires));
      url.searchParams.set('signature', await signature(path, expires));
      return url.toString();
    },

    async remove(paths: readonly string[]): Promise<void> {
      const files = paths.map((path) => [path, fileOf(path)] as const);
      await Promise.all(
        files.map(([path, file]) =>
          rm(file, { force: true }).catch((error: unknown) => {
            throw failed(path, error);
          }),
        ),
      );
    },

    async serve(request: Request): Promise<Response> {
      try {
        if (request.method !== 'GET' && request.method !== 'HEAD') {
          throw new JobGateError('NOT_FOUND', 'GET or HEAD only');
        }
        const url = new URL(request.url);
        const prefix = `${mount}/`;
        if (!url.pathname.startsWith(prefix)) throw new JobGateError('NOT_FOUND', 'no such file');
        let path: string;
        try {
          path = decodeURIComponent(url.pathname.slice(prefix.length));
        } catch {
          throw new JobGateError('NOT_FOUND', 'no such file');
        }
        const expires = Number(url.searchParams.get('expires'));
        const given = url.searchParams.get('signature') ?? '';
        const valid =
          Number.isInteger(expires) &&
          expires * 1000 >= Date.now() &&
          timingSafeEqual(await signature(path, expires), given);
        if (!valid) throw new JobGateError('FORBIDDEN', 'this file link is not valid (or expired)');
        const file = fileOf(path);
        const { size, contentType } = await inspect(path, file).catch((error: unknown) => {
          throw error instanceof JobGateError && error.kind === 'invalid'
            ? new JobGateError('NOT_FOUND', 'no such file')
            : error;
        });
        const range = byteRange(request.headers.get('range'), size);
        if (range === 'unsatisfiable') {
          return new Response(null, {
            status: 416,
            headers: { 'content-range': `bytes */${size}` },
          });
        }
        const [start, end] = range ?? [0, size - 1];
        const name = path.slice(path.lastIndexOf('/') + 1);
        const shown = /^(image|video)\//.test(contentType) ? 'inline' : 'attachment';
        const headers: Record<string, string> = {
          'content-type': contentType,
          'content-length': String(Math.max(0, end - start + 1)),
          'accept-ranges': 'bytes',
          'content-disposition': `${shown}; filename="${name}"`,
          'content-security-policy': SANDBOX_CSP,
          'x-content-type-options': 'nosniff',
          'cache-control': `private, max-age=${Math.max(0, expires - Math.floor(Date.now() / 1000))}`,
          ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
        };
        const body =
          request.method === 'HEAD' || size === 0
            ? null
            : (Readable.toWeb(
                createReadStream(file, { start, end }),
              ) as ReadableStream<Uint8Array>);
        return new Response(body, { status: range ? 206 : 200, headers });
      } catch (error) {
        return errorResponse(error);
      }
    },
  };
  return storage;
}

/**
 * One `bytes=a-b`, `bytes=a-` or `bytes=-n` range within `size` (RFC 9110 §14.1.2). A header
 * that is not one valid range (several ranges, `5-2`, another unit) is ignored and the whole
 * file served; a valid one that selects nothing (past the end, `-0`) is unsatisfiable (416).
 */
function byteRange(header: string | null, size: number): ByteRange {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    return suffix === 0 || size === 0 ? 'unsatisfiable' : [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return [start, m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)];
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}
