import { hmacSha256 } from '@jobgate/core';
import { verify } from './fakePostgrest.js';

/**
 * A local stand-in for Supabase Storage, for development and tests: the calls
 * `storageUploader` and a browser make (upload, signed URLs, download by signed URL, remove),
 * objects kept in memory. Buckets are private; the rule of the starter's storage policies
 * applies: a user writes and reads only under `{tool}/{their id}/…`, the service role
 * everywhere. Answers follow the Storage API's shapes (`{ Key }`, `{ signedURL }`, errors
 * `{ statusCode, error, message }`).
 */
export interface FakeStorageOptions {
  jwtSecret: string;
  /** Buckets that exist. */
  buckets: readonly string[];
}

interface StoredObject {
  data: Uint8Array;
  contentType: string;
}

export function fakeStorage(options: FakeStorageOptions) {
  const objects = new Map<string, StoredObject>();
  const sign = (key: string, expiresAt: number) =>
    hmacSha256(options.jwtSecret, `storage:${key}:${expiresAt}`);

  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const rest = decodeURIComponent(url.pathname.replace(/^\/storage\/v1\//, ''));
    // Download by signed URL: no token needed, the signature is the permission.
    const signedGet = /^object\/sign\/([^/]+)\/(.+)$/.exec(rest);
    if (request.method === 'GET' && signedGet) {
      const key = `${signedGet[1]}/${signedGet[2]}`;
      const [expiresAt, signature] = (url.searchParams.get('token') ?? '').split('.');
      if (
        !expiresAt ||
        Number(expiresAt) < Date.now() ||
        signature !== (await sign(key, Number(expiresAt)))
      ) {
        return fail(400, 'InvalidSignature', 'invalid or expired signature');
      }
      const object = objects.get(key);
      if (!object) return fail(404, 'not_found', 'Object not found');
      return new Response(object.data as BodyInit, {
        headers: { 'content-type': object.contentType },
      });
    }
    const claims = await verify(request, options.jwtSecret);
    if (claims instanceof Response) return fail(403, 'Unauthorized', 'invalid JWT');
    const role = String(claims.role);
    const allowed = (key: string) => {
      if (role === 'service_role') return true;
      // bucket / tool / userId / … : the second folder is the owner (the storage policy).
      return role === 'authenticated' && key.split('/')[2] === String(claims.sub);
    };
    const bucketOf = (key: string) => key.split('/')[0] ?? '';
    const signMatch = /^object\/sign\/(.+)$/.exec(rest);
    if (request.method === 'POST' && signMatch) {
      const key = signMatch[1]!;
      if (!allowed(key) || !objects.has(key)) return fail(404, 'not_found', 'Object not found');
      const { expiresIn } = (await request.json()) as { expiresIn?: number };
      const expiresAt = Date.now() + Number(expiresIn ?? 60) * 1000;
      return json(200, {
        signedURL: `/object/sign/${key}?token=${expiresAt}.${await sign(key, expiresAt)}`,
      });
    }
    const objectMatch = /^object\/(.+)$/.exec(rest);
    if (!objectMatch) return fail(404, 'not_found', `no route ${request.method} ${url.pathname}`);
    const key = objectMatch[1]!;
    if (!options.buckets.includes(bucketOf(key))) {
      return fail(404, 'Bucket not found', 'Bucket not found');
    }
    if (request.method === 'DELETE' && !key.includes('/')) {
      const { prefixes } = (await request.json()) as { prefixes?: string[] };
      const removed = [];
      for (const name of prefixes ?? []) {
        const full = `${key}/${name}`;
        if (allowed(full) && objects.delete(full)) removed.push({ name });
      }
      return json(200, removed);
    }
    if (request.method === 'POST' || request.method === 'PUT') {
      if (!allowed(key)) {
        return fail(403, 'Unauthorized', 'new row violates row-level security policy');
      }
      const upsert = request.headers.get('x-upsert') === 'true' || request.method === 'PUT';
      if (objects.has(key) && !upsert) return fail(409, 'Duplicate', 'The resource already exists');
      const contentType = request.headers.get('content-type') ?? 'application/octet-stream';
      let data: Uint8Array;
      if (contentType.startsWith('multipart/form-data')) {
        const form = await request.formData();
        const file = [...form.values()].find((v): v is File => typeof v !== 'string');
        data = new Uint8Array(file ? await file.arrayBuffer() : new ArrayBuffer(0));
        objects.set(key, { data, contentType: file?.type || 'application/octet-stream' });
      } else {
        data = new Uint8Array(await request.arrayBuffer());
        objects.set(key, { data, contentType });
      }
      return json(200, { Id: crypto.randomUUID(), Key: key });
    }
    if (request.method === 'GET') {
      const object = allowed(key) ? objects.get(key) : undefined;
      if (!object) return fail(404, 'not_found', 'Object not found');
      return new Response(object.data as BodyInit, {
        headers: { 'content-type': object.contentType },
      });
    }
    return fail(405, 'method_not_allowed', request.method);
  };
  return Object.assign(handler, {
    /** The stored objects' keys (`bucket/path`). */
    keys: () => [...objects.keys()],
  });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

function fail(status: number, error: string, message: string): Response {
  return json(status, { statusCode: String(status), error, message });
}
