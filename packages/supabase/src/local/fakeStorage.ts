import { hmacSha256 } from '@jobgate/core/adapter';
import { verify } from './fakePostgrest.js';

/**
 * A local stand-in for Supabase Storage, for development and tests: the calls
 * `storageUploader` (a browser: multipart uploads that never overwrite) and
 * `supabaseFileStorage` (the function: raw bodies streamed in chunks, `x-upsert`, the service
 * role) make — upload, download, signed URLs and downloads by them, remove — with objects kept
 * in memory. Buckets are private; the rule of the starter's storage policies applies: a user
 * writes and reads only under `{tool}/{their id}/…`, the service role everywhere. An upload
 * is stored only once its whole body arrived: a body cut half-way leaves nothing. Answers
 * follow the Storage API's shapes (`{ Key }`, `{ signedURL }`) and its errors: HTTP 400 with
 * the real code in the body, `{ statusCode: '404', error, message }`, as Storage answers.
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
  /** Bytes received so far of the uploads still arriving, by key. */
  const receiving = new Map<string, number>();
  const sign = (key: string, expiresAt: number) =>
    hmacSha256(options.jwtSecret, `storage:${key}:${expiresAt}`);

  const download = (object: StoredObject | undefined): Response => {
    if (!object) return fail(404, 'not_found', 'Object not found');
    return new Response(object.data as BodyInit, {
      headers: {
        'content-type': object.contentType,
        'content-length': String(object.data.byteLength),
        'x-content-type-options': 'nosniff',
      },
    });
  };

  /** The body, read chunk by chunk; null when it broke off before its end. */
  const bodyOf = async (request: Request, key: string): Promise<Uint8Array | null> => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    receiving.set(key, 0);
    try {
      const reader = request.body?.getReader();
      for (;;) {
        const next = await reader?.read();
        if (!next || next.done) break;
        chunks.push(next.value);
        size += next.value.byteLength;
        receiving.set(key, size);
      }
    } catch {
      return null;
    } finally {
      receiving.delete(key);
    }
    const data = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      data.set(chunk, at);
      at += chunk.byteLength;
    }
    return data;
  };

  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const rest = decodeURIComponent(url.pathname.replace(/^\/storage\/v1\//, ''));
    // Download by signed URL: no token needed, the signature is the permission.
    const signedGet = /^object\/sign\/([^/]+)\/(.+)$/.exec(rest);
    if ((request.method === 'GET' || request.method === 'HEAD') && signedGet) {
      const key = `${signedGet[1]}/${signedGet[2]}`;
      const [expiresAt, signature] = (url.searchParams.get('token') ?? '').split('.');
      if (
        !expiresAt ||
        Number(expiresAt) < Date.now() ||
        signature !== (await sign(key, Number(expiresAt)))
      ) {
        return fail(400, 'InvalidSignature', 'invalid or expired signature');
      }
      return download(objects.get(key));
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
    if (!objectMatch) return json(404, { error: `no route ${request.method} ${url.pathname}` });
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
      let object: StoredObject;
      if (contentType.startsWith('multipart/form-data')) {
        const form = await request.formData();
        const file = [...form.values()].find((v): v is File => typeof v !== 'string');
        const data = new Uint8Array(file ? await file.arrayBuffer() : new ArrayBuffer(0));
        object = { data, contentType: file?.type || 'application/octet-stream' };
      } else {
        const data = await bodyOf(request, key);
        // A body cut half-way (the client's stream failed): nothing is stored.
        if (!data) return fail(400, 'InvalidRequest', 'the upload ended before its body did');
        object = { data, contentType };
      }
      // Checked again: another upload may have landed while this body arrived.
      if (objects.has(key) && !upsert) return fail(409, 'Duplicate', 'The resource already exists');
      objects.set(key, object);
      return json(200, { Id: crypto.randomUUID(), Key: key });
    }
    if (request.method === 'GET') return download(allowed(key) ? objects.get(key) : undefined);
    return fail(405, 'method_not_allowed', request.method);
  };
  return Object.assign(handler, {
    /** The stored objects' keys (`bucket/path`). */
    keys: () => [...objects.keys()],
    /** Bytes received so far of an upload to `key` (`bucket/path`) still arriving, else undefined. */
    receiving: (key: string): number | undefined => receiving.get(key),
  });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

/** Storage's error answer: HTTP 400 (its legacy status for every error), the code in the body. */
function fail(code: number, error: string, message: string): Response {
  return json(400, { statusCode: String(code), error, message });
}
