import { randomUUID } from 'node:crypto';
import { describeWith } from '@jobgate/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusOfSqlState } from '../local/statusOfSqlState.js';
import {
  anonKey,
  createSupabaseTestDb,
  SUPABASE_URL,
  type SupabaseTestDb,
  serviceKey,
  userToken,
} from './supabaseTestDb.js';

/** The test PostgREST subset answers in PostgREST's documented shapes, or it proves nothing. */
describe('PostgREST status table (as documented)', () => {
  it.each([
    ['P0001', 'service_role', 400],
    ['42501', 'anon', 401],
    ['42501', 'authenticated', 403],
    ['42883', 'authenticated', 404],
    ['42P01', 'authenticated', 404],
    ['23505', 'service_role', 409],
    ['23503', 'service_role', 409],
    ['23502', 'service_role', 400],
    ['22P02', 'service_role', 400],
    ['40001', 'service_role', 500],
    ['08006', 'service_role', 503],
    ['53300', 'service_role', 503],
    ['25006', 'service_role', 405],
  ])('%s as %s → %i', (code, role, status) => {
    expect(statusOfSqlState(code, role)).toBe(status);
  });
});

describeWith('postgres', 'the PostgREST subset on PostgreSQL', () => {
  let db: SupabaseTestDb;
  const call = async (
    token: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const r = await db.fetch(`${SUPABASE_URL}/rest/v1/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: r.status, headers: r.headers, body: (await r.json()) as unknown };
  };

  /** `{ code, details, hint, message }`: strings, details and hint possibly null. */
  const errorShape = {
    code: expect.any(String),
    message: expect.any(String),
    details: expect.toSatisfy((v: unknown) => v === null || typeof v === 'string'),
    hint: expect.toSatisfy((v: unknown) => v === null || typeof v === 'string'),
  };

  beforeAll(async () => {
    db = await createSupabaseTestDb();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('rpc: a jsonb function answers its JSON value; a boolean one a bare boolean', async () => {
    const service = await serviceKey();
    const counts = await call(service, 'POST', 'rpc/jobgate_counts', { p_pool: 'default' });
    expect(counts).toMatchObject({ status: 200, body: { running: 0, queued: 0 } });
    const missing = await call(service, 'POST', 'rpc/jobgate_get', { p_id: randomUUID() });
    expect(missing).toMatchObject({ status: 200, body: null });
    const id = randomUUID();
    await db.sql`insert into jobgate_jobs (id, tool, user_id, status, created_at, updated_at)
                 values (${id}, 'upscaler', 'u', 'running', now(), now())`;
    const changed = await call(service, 'POST', 'rpc/jobgate_set_credit_state', {
      p_id: id,
      p_from: 'none',
      p_to: 'charged',
      p_now: Date.now(),
    });
    expect(changed).toMatchObject({ status: 200, body: true });
    const cas = await call(service, 'POST', 'rpc/jobgate_set_credit_state', {
      p_id: randomUUID(),
      p_from: 'none',
      p_to: 'charged',
      p_now: Date.now(),
    });
    // A raise from the function: P0001 → 400 with the PostgreSQL error fields.
    expect(cas.status).toBe(400);
    expect(Object.keys(cas.body as object).sort()).toEqual(['code', 'details', 'hint', 'message']);
    expect(cas.body).toMatchObject({ ...errorShape, code: 'P0001' });
  });

  it('rpc: an unknown function or argument is 404 PGRST202', async () => {
    const service = await serviceKey();
    expect(await call(service, 'POST', 'rpc/nope', {})).toMatchObject({
      status: 404,
      body: { ...errorShape, code: 'PGRST202' },
    });
    expect(await call(service, 'POST', 'rpc/jobgate_counts', { p_wrong: 1 })).toMatchObject({
      status: 404,
      body: { code: 'PGRST202' },
    });
  });

  it('privileges: 42501 is 401 for anon, 403 for a signed-in user', async () => {
    const anon = await call(await anonKey(), 'POST', 'rpc/jobgate_counts', { p_pool: 'default' });
    expect(anon).toMatchObject({ status: 401, body: { ...errorShape, code: '42501' } });
    const user = await call(await userToken(randomUUID()), 'POST', 'rpc/jobgate_counts', {
      p_pool: 'default',
    });
    expect(user).toMatchObject({ status: 403, body: { code: '42501' } });
  });

  it('selects: an array with Content-Range; one object or 406 PGRST116 with the object Accept', async () => {
    const user = randomUUID();
    const id = randomUUID();
    await db.sql`insert into jobgate_jobs (id, tool, user_id, status, created_at, updated_at)
                 values (${id}, 'upscaler', ${user}, 'failed', now(), now())`;
    const token = await userToken(user);
    const list = await call(token, 'GET', `jobgate_jobs?select=id,status&user_id=eq.${user}`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual([{ id, status: 'failed' }]);
    expect(list.headers.get('content-range')).toBe('0-0/*');
    const one = await call(token, 'GET', `jobgate_jobs?select=id&id=eq.${id}`, undefined, {
      accept: 'application/vnd.pgrst.object+json',
    });
    expect(one).toMatchObject({ status: 200, body: { id } });
    const none = await call(
      await userToken(randomUUID()),
      'GET',
      `jobgate_jobs?select=id&id=eq.${id}`,
      undefined,
      {
        accept: 'application/vnd.pgrst.object+json',
      },
    );
    expect(none).toMatchObject({ status: 406, body: { ...errorShape, code: 'PGRST116' } });
  });

  it('JWTs: a forged signature is 401 PGRST301, an expired one 401 PGRST303', async () => {
    const forged = `${(await userToken(randomUUID())).slice(0, -4)}AAAA`;
    expect(await call(forged, 'GET', 'jobgate_jobs?select=id')).toMatchObject({
      status: 401,
      body: { code: 'PGRST301' },
    });
    const { signJwt } = await import('./supabaseTestDb.js');
    const expired = await signJwt({ sub: randomUUID(), role: 'authenticated', exp: 1 });
    expect(await call(expired, 'GET', 'jobgate_jobs?select=id')).toMatchObject({
      status: 401,
      body: { code: 'PGRST303' },
    });
  });
});
