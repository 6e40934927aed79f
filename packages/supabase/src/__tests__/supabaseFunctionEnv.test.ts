import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tools } from '@jobgate/example-tools';
import { describeWith } from '@jobgate/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LocalSupabase } from '../local.js';
import { supabaseFunction } from '../supabaseFunction.js';
import { starterProject } from './starterProject.js';

/** supabaseFunction reads its configuration from the environment, as Deno gives it. */
const JWT_SECRET = 'starter-test-jwt-secret-with-at-least-32-characters';

describeWith('postgres', 'supabaseFunction: configuration from the environment', () => {
  let project: Awaited<ReturnType<typeof starterProject>> | undefined;
  let local: LocalSupabase;

  beforeAll(async () => {
    // Deno (the function's runtime) has a WebSocket; Node 20 needs one for supabase-js.
    globalThis.WebSocket ??= (await import('ws')).WebSocket as unknown as typeof WebSocket;
    project = await starterProject({ name: 'jobgate_fnenv', jwtSecret: JWT_SECRET });
    local = project.local;
  }, 60_000);

  afterAll(async () => {
    await project?.drop();
  });

  const envOf =
    (vars: Record<string, string>) =>
    (name: string): string | undefined =>
      vars[name];

  it('refuses a missing project URL and a short webhook secret; an empty variable is unset', () => {
    expect(() => supabaseFunction({ tools, env: envOf({}) })).toThrow(/set SUPABASE_URL/);
    const base = { SUPABASE_URL: local.url, SUPABASE_SERVICE_ROLE_KEY: local.serviceRoleKey };
    expect(() =>
      supabaseFunction({ tools, env: envOf({ ...base, JOBGATE_WEBHOOK_SECRET: 'short' }) }),
    ).toThrow(/16 characters/);
    expect(() =>
      supabaseFunction({ tools, env: envOf({ ...base, JOBGATE_GLOBAL_CAP: 'three' }) }),
    ).toThrow(/JOBGATE_GLOBAL_CAP/);
    const fn = supabaseFunction({ tools, env: envOf({ ...base, JOBGATE_WEBHOOK_SECRET: '' }) });
    fn.close();
  });

  it('the function’s own service key opens /maintenance even when no JWT can be verified', async () => {
    // No JOBGATE_JWT_SECRET and a JWKS with no keys: no JWT verifies here (a project whose
    // service key is a legacy JWT but whose user tokens use new signing keys).
    const jwks = startJwks();
    const fn = supabaseFunction({
      tools,
      env: envOf({
        SUPABASE_URL: local.url,
        SUPABASE_SERVICE_ROLE_KEY: local.serviceRoleKey,
        JOBGATE_JWKS_URL: await jwks.url,
      }),
    });
    try {
      const maintenance = (token: string) =>
        fn.handler(
          new Request('http://function.test/jobgate/maintenance', {
            method: 'POST',
            headers: { authorization: `Bearer ${token}` },
          }),
        );
      const ok = await maintenance(local.serviceRoleKey);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ report: { healed: [] } });
      expect((await maintenance(await local.userToken(randomUUID()))).status).toBe(401);
      expect((await maintenance(`${local.serviceRoleKey}x`)).status).toBe(401);
    } finally {
      fn.close();
      await jwks.close();
    }
  });
});

/** A JWKS endpoint that publishes no keys. */
function startJwks() {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"keys":[]}');
  });
  const url = new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`),
    ),
  );
  return {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
