import { base64Url, hmacSha256, JobGateError, timingSafeEqual } from '@jobgate/core';
import { type AuthContext, type Authenticator, bearerToken } from './authenticator.js';

export interface SupabaseJwtAuthenticatorOptions {
  /** The project's JWT secret (legacy HS256 signing): tokens signed with HS256 are checked with it. */
  jwtSecret?: string;
  /**
   * The project's JWKS (asymmetric signing keys, RS256 / ES256): a URL such as
   * `https://<ref>.supabase.co/auth/v1/.well-known/jwks.json`, or the keys themselves.
   */
  jwks?: string | { keys: readonly JsonWebKey[] };
  /** `fetch` for the JWKS URL (tests). */
  fetch?: typeof fetch;
  /** How long fetched keys are kept. Default 10 min. */
  jwksCacheMs?: number;
  /** Required `aud` of user tokens. Default `authenticated`. */
  audience?: string;
  /** Required `iss`, if set. */
  issuer?: string;
  /**
   * Opaque service keys (e.g. Supabase `sb_secret_…` keys) accepted as service credentials,
   * compared in constant time. A JWT whose `role` is `service_role` is a service credential too.
   */
  serviceKeys?: readonly string[];
  /** Allowed clock skew for `exp` / `nbf`. Default 30 s. */
  leewayMs?: number;
  /** Current time (ms). Default `Date.now`. */
  now?: () => number;
}

interface JwtHeader {
  alg?: unknown;
  kid?: unknown;
  typ?: unknown;
}

type Claims = Record<string, unknown>;

const encoder = new TextEncoder();

/**
 * Verifies Supabase Auth access tokens with Web Crypto only (Deno, Bun, Node, browsers):
 * HS256 with the project's JWT secret and/or RS256/ES256 with its JWKS. The user is the
 * token's `sub`; the `service_role` role (or a configured service key) is the service.
 */
export function supabaseJwtAuthenticator(options: SupabaseJwtAuthenticatorOptions): Authenticator {
  if (!options.jwtSecret && !options.jwks && !options.serviceKeys?.length) {
    throw new JobGateError(
      'INTERNAL',
      'supabaseJwtAuthenticator needs jwtSecret, jwks or serviceKeys',
    );
  }
  const now = options.now ?? Date.now;
  const leeway = options.leewayMs ?? 30_000;
  const audience = options.audience ?? 'authenticated';
  let hmacKey: Promise<CryptoKey> | undefined;
  const jwks = createJwksCache(options);

  const verifySignature = async (header: JwtHeader, signed: string, signature: Uint8Array) => {
    const data = encoder.encode(signed);
    if (header.alg === 'HS256') {
      if (!options.jwtSecret) return false;
      hmacKey ??= crypto.subtle.importKey(
        'raw',
        encoder.encode(options.jwtSecret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['verify'],
      );
      return crypto.subtle.verify('HMAC', await hmacKey, toBuffer(signature), data);
    }
    if (header.alg === 'RS256' || header.alg === 'ES256') {
      if (!jwks) return false;
      const key = await jwks.key(header.alg, typeof header.kid === 'string' ? header.kid : null);
      if (!key) return false;
      const algorithm =
        header.alg === 'RS256' ? { name: 'RSASSA-PKCS1-v1_5' } : { name: 'ECDSA', hash: 'SHA-256' };
      return crypto.subtle.verify(algorithm, key, toBuffer(signature), data);
    }
    return false;
  };

  return {
    async authenticate(request: Request): Promise<AuthContext> {
      const token = bearerToken(request);
      if (options.serviceKeys?.some((key) => timingSafeEqual(key, token))) {
        return { userId: null, role: 'service' };
      }
      const parts = token.split('.');
      if (parts.length !== 3) throw invalid('malformed token');
      const [h, p, s] = parts as [string, string, string];
      const header = decodeJson(h) as JwtHeader | null;
      const claims = decodeJson(p) as Claims | null;
      const signature = decodeBase64Url(s);
      if (!header || !claims || !signature || typeof claims !== 'object') {
        throw invalid('malformed token');
      }
      let ok = false;
      try {
        ok = await verifySignature(header, `${h}.${p}`, signature);
      } catch (error) {
        if (error instanceof JobGateError) throw error;
        ok = false;
      }
      if (!ok) throw invalid('the token signature does not verify');
      const t = now();
      if (typeof claims.exp !== 'number') throw invalid('the token has no expiry');
      if (claims.exp * 1000 + leeway < t) throw invalid('the token has expired');
      if (typeof claims.nbf === 'number' && claims.nbf * 1000 - leeway > t)
        throw invalid('the token is not valid yet');
      if (options.issuer !== undefined && claims.iss !== options.issuer)
        throw invalid('the token has the wrong issuer');
      if (claims.role === 'service_role') return { userId: null, role: 'service', claims };
      if (!audienceMatches(claims.aud, audience)) throw invalid('the token has the wrong audience');
      if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.role === 'anon') {
        throw invalid('the token names no user');
      }
      return { userId: claims.sub, role: 'user', claims };
    },
  };
}

function createJwksCache(options: SupabaseJwtAuthenticatorOptions) {
  const source = options.jwks;
  if (!source) return null;
  const ttl = options.jwksCacheMs ?? 600_000;
  const now = options.now ?? Date.now;
  let cached: { at: number; keys: readonly JsonWebKey[] } | null =
    typeof source === 'string' ? null : { at: Number.POSITIVE_INFINITY, keys: source.keys };
  const imported = new Map<string, Promise<CryptoKey | null>>();

  const load = async (force: boolean): Promise<readonly JsonWebKey[]> => {
    if (typeof source !== 'string') return source.keys;
    if (cached && !force && now() - cached.at < ttl) return cached.keys;
    const doFetch = options.fetch ?? fetch;
    try {
      const response = await doFetch(source, { headers: { accept: 'application/json' } });
      if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
      const body = (await response.json()) as { keys?: unknown };
      const keys = Array.isArray(body.keys) ? (body.keys as JsonWebKey[]) : [];
      cached = { at: now(), keys };
      imported.clear();
      return keys;
    } catch (error) {
      if (cached) return cached.keys;
      throw new JobGateError('UNAUTHENTICATED', 'the signing keys could not be loaded', {
        cause: error,
      });
    }
  };

  const importKey = (alg: 'RS256' | 'ES256', jwk: JsonWebKey & { kid?: string }) => {
    const id = `${alg}:${jwk.kid ?? ''}:${jwk.n ?? jwk.x ?? ''}`;
    let key = imported.get(id);
    if (!key) {
      const algorithm =
        alg === 'RS256'
          ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
          : { name: 'ECDSA', namedCurve: 'P-256' };
      const { alg: _a, key_ops: _k, use: _u, ext: _e, ...material } = jwk;
      key = crypto.subtle
        .importKey('jwk', material, algorithm, false, ['verify'])
        .catch(() => null);
      imported.set(id, key);
    }
    return key;
  };

  const find = (keys: readonly JsonWebKey[], alg: 'RS256' | 'ES256', kid: string | null) =>
    keys.find((k) => {
      const jwk = k as JsonWebKey & { kid?: string };
      if (kid !== null && jwk.kid !== kid) return false;
      if (jwk.alg !== undefined && jwk.alg !== alg) return false;
      return alg === 'RS256' ? jwk.kty === 'RSA' : jwk.kty === 'EC' && jwk.crv === 'P-256';
    });

  return {
    async key(alg: 'RS256' | 'ES256', kid: string | null): Promise<CryptoKey | null> {
      let jwk = find(await load(false), alg, kid);
      // An unknown kid may be a rotated key: refetch once.
      if (!jwk && kid !== null && typeof source === 'string')
        jwk = find(await load(true), alg, kid);
      return jwk ? importKey(alg, jwk) : null;
    },
  };
}

function audienceMatches(aud: unknown, expected: string): boolean {
  if (typeof aud === 'string') return aud === expected;
  return Array.isArray(aud) && aud.includes(expected);
}

function invalid(message: string): JobGateError {
  return new JobGateError('UNAUTHENTICATED', message);
}

function decodeBase64Url(segment: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) return null;
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  try {
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

function decodeJson(segment: string): unknown {
  const bytes = decodeBase64Url(segment);
  if (!bytes) return null;
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

function toBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Signs an HS256 JWT (for tests, local development and service tokens you mint yourself). */
export async function signHs256Jwt(claims: Claims, secret: string): Promise<string> {
  const enc = (value: unknown) => base64Url(encoder.encode(JSON.stringify(value)));
  const signed = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(claims)}`;
  return `${signed}.${await hmacSha256(secret, signed)}`;
}
