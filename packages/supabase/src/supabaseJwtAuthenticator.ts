import { JobGateError } from '@jobgate/core';
import { timingSafeEqual } from '@jobgate/core/adapter';
import { type AuthContext, type Authenticator, bearerToken } from '@jobgate/server';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';

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
  /**
   * After a fetch, how long a token with an unknown `kid` is refused without fetching again.
   * Default 30 s: a key rotation is picked up within that, while a stream of forged tokens
   * with random `kid`s cannot make the server fetch the JWKS on every request.
   */
  jwksCooldownMs?: number;
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

/**
 * Verifies Supabase Auth access tokens with `jose` (Web Crypto: Deno, Bun, Node, browsers):
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
  const secret = options.jwtSecret ? new TextEncoder().encode(options.jwtSecret) : null;
  const jwks = options.jwks ? keySet(options) : null;
  // Each kind of key verifies only its own algorithms: an HS256 token never meets a JWKS key.
  const algorithms = [...(secret ? ['HS256'] : []), ...(jwks ? ['RS256', 'ES256'] : [])];
  const key: JWTVerifyGetKey = (header, token) => {
    if (header.alg === 'HS256' && secret) return secret;
    if (jwks) return jwks(header, token);
    throw invalid('the token signature does not verify');
  };

  return {
    async authenticate(request: Request): Promise<AuthContext> {
      const token = bearerToken(request);
      if (options.serviceKeys?.some((k) => timingSafeEqual(k, token))) {
        return { userId: null, role: 'service' };
      }
      let claims: Record<string, unknown>;
      try {
        ({ payload: claims } = await jwtVerify(token, key, {
          algorithms,
          requiredClaims: ['exp'],
          clockTolerance: leeway / 1000,
          currentDate: new Date(now()),
          ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
        }));
      } catch (error) {
        throw rejection(error);
      }
      if (claims.role === 'service_role') return { userId: null, role: 'service', claims };
      if (!audienceMatches(claims.aud, audience)) throw invalid('the token has the wrong audience');
      if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.role === 'anon') {
        throw invalid('the token names no user');
      }
      return { userId: claims.sub, role: 'user', claims };
    },
  };
}

/**
 * The JWKS: the keys given, or the URL's, cached for `jwksCacheMs` and fetched again for an
 * unknown `kid` (a rotated key), at most once per `jwksCooldownMs`. If a refetch fails, the
 * keys fetched before still serve; with none, the token is refused.
 */
function keySet(options: SupabaseJwtAuthenticatorOptions): JWTVerifyGetKey {
  const source = options.jwks!;
  if (typeof source !== 'string') {
    return createLocalJWKSet({ keys: source.keys } as unknown as JSONWebKeySet);
  }
  const remote = createRemoteJWKSet(new URL(source), {
    cacheMaxAge: options.jwksCacheMs ?? 600_000,
    cooldownDuration: options.jwksCooldownMs ?? 30_000,
    ...(options.fetch ? { [customFetch]: options.fetch } : {}),
  });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (isKeyMismatch(error)) throw error;
      const known = remote.jwks();
      if (known) return createLocalJWKSet(known)(header, token);
      throw new JobGateError('UNAUTHENTICATED', 'the signing keys could not be loaded', {
        cause: error,
      });
    }
  };
}

const isKeyMismatch = (error: unknown): boolean =>
  error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys;

/** A jose refusal as UNAUTHENTICATED, with a sentence saying which check failed. */
function rejection(error: unknown): JobGateError {
  if (error instanceof JobGateError) return error;
  const cause = { cause: error };
  if (error instanceof errors.JWTExpired) return invalid('the token has expired', cause);
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'exp') return invalid('the token has no expiry', cause);
    if (error.claim === 'nbf') return invalid('the token is not valid yet', cause);
    if (error.claim === 'iss') return invalid('the token has the wrong issuer', cause);
    return invalid(`the token's "${error.claim}" claim is invalid`, cause);
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return invalid('malformed token', cause);
  }
  return invalid('the token signature does not verify', cause);
}

function audienceMatches(aud: unknown, expected: string): boolean {
  if (typeof aud === 'string') return aud === expected;
  return Array.isArray(aud) && aud.includes(expected);
}

function invalid(message: string, options?: { cause: unknown }): JobGateError {
  return new JobGateError('UNAUTHENTICATED', message, options);
}
