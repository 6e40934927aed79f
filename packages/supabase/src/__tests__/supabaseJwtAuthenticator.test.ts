import { describe, expect, it } from 'vitest';
import { signHs256Jwt } from '../signHs256Jwt.js';
import { supabaseJwtAuthenticator } from '../supabaseJwtAuthenticator.js';

const SECRET = 'jwt-secret-for-tests-at-least-32-chars!!';
const NOW = Date.UTC(2026, 1, 1);
const exp = Math.floor(NOW / 1000) + 600;
const req = (token?: string) =>
  new Request('https://x.test/jobs/active', {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

async function es256() {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const jwk = {
    ...(await crypto.subtle.exportKey('jwk', pair.publicKey)),
    kid: 'k1',
    alg: 'ES256',
  };
  const sign = async (claims: Record<string, unknown>, kid = 'k1') => {
    const signed = `${b64({ alg: 'ES256', typ: 'JWT', kid })}.${b64(claims)}`;
    const sig = await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      pair.privateKey,
      new TextEncoder().encode(signed),
    );
    return `${signed}.${Buffer.from(sig).toString('base64url')}`;
  };
  return { jwk, sign };
}

describe('supabaseJwtAuthenticator', () => {
  const auth = supabaseJwtAuthenticator({ jwtSecret: SECRET, now: () => NOW });
  const user = { sub: 'u-1', role: 'authenticated', aud: 'authenticated', exp };

  it('accepts an HS256 user token and takes the user from `sub`', async () => {
    expect(await auth.authenticate(req(await signHs256Jwt(user, SECRET)))).toMatchObject({
      userId: 'u-1',
      role: 'user',
    });
  });

  it('treats the service_role token as the service', async () => {
    const token = await signHs256Jwt({ role: 'service_role', iss: 'supabase', exp }, SECRET);
    expect(await auth.authenticate(req(token))).toMatchObject({ userId: null, role: 'service' });
  });

  it.each([
    ['no header', undefined],
    ['empty', ''],
    ['not a JWT', 'abc'],
    ['garbage parts', 'a.b.c'],
  ])('refuses %s', async (_name, token) => {
    await expect(auth.authenticate(req(token))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('refuses forged, expired, premature, anon, audience-less and alg=none tokens', async () => {
    const bad = [
      await signHs256Jwt(user, 'another-secret-another-secret-12345'),
      await signHs256Jwt({ ...user, exp: Math.floor(NOW / 1000) - 120 }, SECRET),
      await signHs256Jwt({ ...user, nbf: Math.floor(NOW / 1000) + 120 }, SECRET),
      await signHs256Jwt({ role: 'anon', iss: 'supabase', exp }, SECRET),
      await signHs256Jwt({ ...user, aud: 'other' }, SECRET),
      await signHs256Jwt({ sub: 'u-1', role: 'authenticated', aud: 'authenticated' }, SECRET),
      `${b64({ alg: 'none' })}.${b64(user)}.`,
      `${b64({ alg: 'HS512' })}.${b64(user)}.${Buffer.from('x').toString('base64url')}`,
    ];
    for (const token of bad) {
      await expect(auth.authenticate(req(token)), token).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
      });
    }
    // A token whose payload was edited after signing.
    const good = await signHs256Jwt(user, SECRET);
    const [h, , s] = good.split('.');
    const edited = `${h}.${b64({ ...user, sub: 'someone-else' })}.${s}`;
    await expect(auth.authenticate(req(edited))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  const jwksServer = (jwk: object) => {
    const counter = { fetches: 0 };
    const fetchKeys = (async () => {
      counter.fetches++;
      return new Response(JSON.stringify({ keys: [jwk] }), {
        headers: { 'content-type': 'application/json' },
      });
    }) as typeof fetch;
    return { counter, fetchKeys };
  };
  const JWKS_URL = 'https://project.supabase.co/auth/v1/.well-known/jwks.json';

  it('verifies ES256 tokens against a JWKS fetched once and cached, refetching for a new kid', async () => {
    const { jwk, sign } = await es256();
    const { counter, fetchKeys } = jwksServer(jwk);
    const jwksAuth = supabaseJwtAuthenticator({
      jwks: JWKS_URL,
      fetch: fetchKeys,
      // No cooldown: the unknown kid below is fetched for at once.
      jwksCooldownMs: 0,
      now: () => NOW,
    });
    const token = await sign(user);
    expect(await jwksAuth.authenticate(req(token))).toMatchObject({ userId: 'u-1' });
    expect(await jwksAuth.authenticate(req(token))).toMatchObject({ userId: 'u-1' });
    expect(counter.fetches).toBe(1);
    await expect(jwksAuth.authenticate(req(await sign(user, 'k2')))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    expect(counter.fetches).toBe(2);
    // An HS256 token cannot pass where only the JWKS is configured.
    await expect(
      jwksAuth.authenticate(req(await signHs256Jwt(user, SECRET))),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('forged tokens with unknown kids cannot make it fetch the JWKS on every request (cooldown)', async () => {
    const { jwk, sign } = await es256();
    const { counter, fetchKeys } = jwksServer(jwk);
    const jwksAuth = supabaseJwtAuthenticator({ jwks: JWKS_URL, fetch: fetchKeys, now: () => NOW });
    expect(await jwksAuth.authenticate(req(await sign(user)))).toMatchObject({ userId: 'u-1' });
    for (let i = 0; i < 20; i++) {
      await expect(
        jwksAuth.authenticate(req(await sign(user, `forged-${i}`))),
      ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    expect(counter.fetches).toBe(1);
    // The known key still works during the cooldown.
    expect(await jwksAuth.authenticate(req(await sign(user)))).toMatchObject({ userId: 'u-1' });
  });

  it('accepts opaque service keys in constant time', async () => {
    const keyed = supabaseJwtAuthenticator({ serviceKeys: ['sb_secret_abc123'] });
    expect(await keyed.authenticate(req('sb_secret_abc123'))).toMatchObject({ role: 'service' });
    await expect(keyed.authenticate(req('sb_secret_abc124'))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });
});
