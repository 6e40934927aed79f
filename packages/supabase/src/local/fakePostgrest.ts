import type { SqlClient, SqlExecutor } from '@jobgate/postgres';
import { error, json, type PgError, pgError } from './statusOfSqlState.js';

/**
 * A local stand-in for PostgREST (development without the Supabase CLI, and the tests): just
 * what @jobgate/supabase uses, run as real SQL on
 * PostgreSQL, one transaction per request, under the role of the request's JWT (`anon`,
 * `authenticated`, `service_role`) with `request.jwt.claims` set, so `auth.uid()` and RLS
 * work as on Supabase. Answers follow PostgREST's documented shapes:
 * - `POST /rest/v1/rpc/<fn>` with named arguments → the function's JSON value;
 * - `GET /rest/v1/<table>?select=…&col=eq.v&col=in.(a,b)&order=c.asc&limit=n` → a JSON array
 *   (an object with `Accept: application/vnd.pgrst.object+json`, else 406 PGRST116);
 * - errors `{ code, message, details, hint }` with PostgREST's status for the SQLSTATE.
 */
export interface FakePostgrestOptions {
  /** The database: postgres.js, pg or PGlite through @jobgate/postgres's client port. */
  client: SqlClient;
  jwtSecret: string;
  /** Tables that may be read with GET. */
  tables: readonly string[];
  /** Exposed schemas (first is the default). */
  schemas?: readonly string[];
  /** Requests not for /rest/v1 go here (storage, functions…); default 404. */
  fallback?: (request: Request) => Promise<Response>;
}

const ROLES = new Set(['anon', 'authenticated', 'service_role']);
const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

export function fakePostgrest(options: FakePostgrestOptions): typeof fetch & {
  requests: Array<{ method: string; path: string; role: string }>;
} {
  const schemas = options.schemas ?? ['public'];
  const requests: Array<{ method: string; path: string; role: string }> = [];
  const handler = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (!url.pathname.startsWith('/rest/v1/')) {
      return options.fallback ? options.fallback(request) : error(404, 'PGRST000', 'not found');
    }
    const claims = await verify(request, options.jwtSecret);
    if (claims instanceof Response) return claims;
    const role = String(claims.role);
    requests.push({ method: request.method, path: url.pathname + url.search, role });
    const profile =
      request.headers.get(request.method === 'GET' ? 'accept-profile' : 'content-profile') ??
      schemas[0]!;
    if (!schemas.includes(profile)) {
      return error(
        406,
        'PGRST106',
        `The schema must be one of the following: ${schemas.join(', ')}`,
      );
    }
    const rest = url.pathname.slice('/rest/v1/'.length);
    try {
      if (rest.startsWith('rpc/') && request.method === 'POST') {
        const body = await request.text();
        const args = body ? (JSON.parse(body) as Record<string, unknown>) : {};
        return await rpc(options.client, profile, rest.slice(4), args, claims, role);
      }
      if (request.method === 'GET' && options.tables.includes(rest)) {
        return await select(options.client, profile, rest, url.searchParams, request, claims, role);
      }
      return error(404, 'PGRST125', `Invalid path specified in request URL`);
    } catch (e) {
      return pgError(e as PgError, role);
    }
  };
  return Object.assign(handler as typeof fetch, { requests });
}

export async function inTransaction<T>(
  client: SqlClient,
  role: string,
  claims: Record<string, unknown>,
  run: (tx: SqlExecutor) => Promise<T>,
): Promise<T> {
  return client.transaction(async (tx) => {
    // Like PostgREST: the JWT's role for the transaction, the claims as settings.
    await tx.query(`set local role ${role}`);
    await tx.query(
      `select set_config('request.jwt.claims', $1, true),
              set_config('request.jwt.claim.sub', $2, true),
              set_config('request.jwt.claim.role', $3, true)`,
      [JSON.stringify(claims), String(claims.sub ?? ''), role],
    );
    return run(tx);
  });
}

async function rpc(
  client: SqlClient,
  schema: string,
  fn: string,
  args: Record<string, unknown>,
  claims: Record<string, unknown>,
  role: string,
): Promise<Response> {
  if (!IDENT.test(fn)) return error(404, 'PGRST202', `Could not find the function ${schema}.${fn}`);
  // The schema cache: the function's argument names and types.
  const candidates = await client.query<{
    names: string[] | null;
    types: string[];
    defaults: number;
  }>(
    `select p.proargnames as names,
            array(select format_type(t, null) from unnest(p.proargtypes) t) as types,
            p.pronargdefaults as defaults
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = $1 and p.proname = $2`,
    [schema, fn],
  );
  const keys = Object.keys(args);
  const match = candidates.find((c) => {
    const names = (c.names ?? []).slice(0, c.types.length);
    const required = names.slice(0, names.length - c.defaults);
    return keys.every((k) => names.includes(k)) && required.every((r) => keys.includes(r));
  });
  if (!match) {
    return error(
      404,
      'PGRST202',
      `Could not find the function ${schema}.${fn}(${keys.join(', ')}) in the schema cache`,
      `Searched for the function ${schema}.${fn} with parameters ${keys.join(', ')} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`,
    );
  }
  const names = match.names ?? [];
  const params: unknown[] = [];
  const parts = keys.map((key, i) => {
    const type = match.types[names.indexOf(key)]!;
    const value = args[key];
    if (type === 'json' || type === 'jsonb') {
      // A JSON argument travels as its text, like PostgREST's json_to_record of the body.
      params.push(value === null || value === undefined ? null : JSON.stringify(value));
      return `${key} => $${i + 1}::text::${type}`;
    }
    params.push(value !== null && typeof value === 'object' ? JSON.stringify(value) : value);
    return `${key} => $${i + 1}::${type}`;
  });
  const rows = await inTransaction(client, role, claims, (tx) =>
    tx.query(`select to_jsonb(${schema}.${fn}(${parts.join(', ')})) as result`, params),
  );
  const result = (rows[0] as { result: unknown } | undefined)?.result ?? null;
  return json(200, result);
}

async function select(
  client: SqlClient,
  schema: string,
  table: string,
  search: URLSearchParams,
  request: Request,
  claims: Record<string, unknown>,
  role: string,
): Promise<Response> {
  const params: unknown[] = [];
  const columns = (search.get('select') ?? '*').split(',').map((c) => c.trim());
  for (const c of columns) {
    if (c !== '*' && !IDENT.test(c)) return error(400, 'PGRST100', `bad select "${c}"`);
  }
  const where: string[] = [];
  let order = '';
  let limit = '';
  for (const [key, value] of search) {
    if (key === 'select') continue;
    if (key === 'order') {
      const terms = value.split(',').map((term) => {
        const [col, dir = 'asc'] = term.split('.');
        if (!col || !IDENT.test(col) || !['asc', 'desc'].includes(dir)) throw badRequest(term);
        return `${col} ${dir}`;
      });
      order = ` order by ${terms.join(', ')}`;
      continue;
    }
    if (key === 'limit') {
      if (!/^\d+$/.test(value)) throw badRequest(value);
      limit = ` limit ${Number(value)}`;
      continue;
    }
    if (!IDENT.test(key)) throw badRequest(key);
    const dot = value.indexOf('.');
    const op = value.slice(0, dot);
    const operand = value.slice(dot + 1);
    if (op === 'eq' || op === 'neq') {
      params.push(operand);
      where.push(`${key} ${op === 'eq' ? '=' : '<>'} $${params.length}`);
    } else if (op === 'in') {
      const list = /^\((.*)\)$/.exec(operand)?.[1];
      if (list === undefined) throw badRequest(value);
      const items = list === '' ? [] : list.split(',').map((s) => s.replace(/^"(.*)"$/, '$1'));
      params.push(items);
      where.push(`${key} = any($${params.length}::text[])`);
    } else if (op === 'is' && operand === 'null') {
      where.push(`${key} is null`);
    } else {
      throw badRequest(value);
    }
  }
  const text = `select coalesce(json_agg(t), '[]'::json) as rows from (select ${columns.join(', ')} from ${schema}.${table}${
    where.length ? ` where ${where.join(' and ')}` : ''
  }${order}${limit}) t`;
  const result = await inTransaction(client, role, claims, (tx) => tx.query(text, params));
  const rows = ((result[0] as { rows: unknown[] } | undefined)?.rows ?? []) as unknown[];
  const accept = request.headers.get('accept') ?? '';
  if (accept.startsWith('application/vnd.pgrst.object+json')) {
    if (rows.length !== 1) {
      return json(406, {
        code: 'PGRST116',
        details: `The result contains ${rows.length} rows`,
        hint: null,
        message: 'JSON object requested, multiple (or no) rows returned',
      });
    }
    return json(200, rows[0]);
  }
  return json(200, rows, {
    'content-range': rows.length ? `0-${rows.length - 1}/*` : '*/*',
  });
}

export async function verify(
  request: Request,
  secret: string,
): Promise<Record<string, unknown> | Response> {
  const header = request.headers.get('authorization');
  const token = header?.startsWith('Bearer ') ? header.slice(7) : request.headers.get('apikey');
  if (!token) return { role: 'anon' };
  const [h, p, s] = token.split('.');
  if (!h || !p || !s) return error(401, 'PGRST301', 'Expected 3 parts in JWT; got 1');
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  );
  const sig = Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) =>
    c.charCodeAt(0),
  );
  const ok = await crypto.subtle.verify('HMAC', key, sig, new TextEncoder().encode(`${h}.${p}`));
  if (!ok) return error(401, 'PGRST301', 'JWSError JWSInvalidSignature');
  const claims = JSON.parse(atob(p.replace(/-/g, '+').replace(/_/g, '/'))) as Record<
    string,
    unknown
  >;
  if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) {
    return error(401, 'PGRST303', 'JWT expired');
  }
  const role = typeof claims.role === 'string' ? claims.role : 'anon';
  if (!ROLES.has(role)) return error(401, 'PGRST301', `role "${role}" does not exist`);
  return claims;
}

function badRequest(what: string): PgError {
  return { code: 'PGRST100', message: `"failed to parse filter (${what})"` };
}
