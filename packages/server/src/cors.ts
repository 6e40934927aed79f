import { JobGateError } from '@jobgate/core';

export interface CorsOptions {
  /** Allowed origins: `'*'` (the default; safe with bearer tokens and no cookies), a list, or a test. */
  origin?: '*' | readonly string[] | ((origin: string) => boolean);
  /** Request headers a browser may send. Default: the ones supabase-js and fetch clients send. */
  allowHeaders?: readonly string[];
  /** Response headers a browser may read. */
  exposeHeaders?: readonly string[];
  /** Seconds a preflight answer may be cached. Default 600. */
  maxAge?: number;
}

const DEFAULT_ALLOW_HEADERS = [
  'authorization',
  'x-client-info',
  'apikey',
  'content-type',
  'accept',
  'last-event-id',
];
const METHODS = 'GET, POST, OPTIONS';

export interface Cors {
  /** Headers to add to an answer for this request (empty for a disallowed origin). */
  headers(request: Request): Headers;
  /** The answer to an OPTIONS preflight. Throws FORBIDDEN for a disallowed origin. */
  preflight(request: Request): Response;
}

export function createCors(options: CorsOptions | false | undefined): Cors {
  if (options === false) {
    return {
      headers: () => new Headers(),
      preflight: () => new Response(null, { status: 204 }),
    };
  }
  const origin = options?.origin ?? '*';
  const allowHeaders = (options?.allowHeaders ?? DEFAULT_ALLOW_HEADERS).join(', ');
  const exposeHeaders = (options?.exposeHeaders ?? ['retry-after']).join(', ');
  const maxAge = String(options?.maxAge ?? 600);
  const allowed = (requestOrigin: string | null): string | null => {
    if (origin === '*') return '*';
    if (requestOrigin === null) return null;
    const ok =
      typeof origin === 'function' ? origin(requestOrigin) : origin.includes(requestOrigin);
    return ok ? requestOrigin : null;
  };
  const base = (request: Request): Headers => {
    const headers = new Headers();
    const value = allowed(request.headers.get('origin'));
    if (value === null) return headers;
    headers.set('access-control-allow-origin', value);
    if (value !== '*') headers.set('vary', 'Origin');
    return headers;
  };
  return {
    headers(request) {
      const headers = base(request);
      if (headers.has('access-control-allow-origin'))
        headers.set('access-control-expose-headers', exposeHeaders);
      return headers;
    },
    preflight(request) {
      const headers = base(request);
      if (!headers.has('access-control-allow-origin')) {
        throw new JobGateError('FORBIDDEN', 'this origin may not call the API');
      }
      headers.set('access-control-allow-methods', METHODS);
      headers.set('access-control-allow-headers', allowHeaders);
      headers.set('access-control-max-age', maxAge);
      return new Response(null, { status: 204, headers });
    },
  };
}
