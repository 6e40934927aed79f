import { JobGateError } from '@jobgate/core';
import { timingSafeEqual } from '@jobgate/core/adapter';
import { type AuthContext, type Authenticator, bearerToken } from './authenticator.js';

/**
 * An Authenticator over a fixed table of opaque tokens: for tests, demos and internal
 * services. `{ 'token-of-alice': 'alice', 'cron-secret': { role: 'service' } }`.
 */
export function staticTokenAuthenticator(
  tokens: Readonly<Record<string, string | { role: 'service' }>>,
): Authenticator {
  const entries = Object.entries(tokens);
  return {
    async authenticate(request: Request): Promise<AuthContext> {
      const token = bearerToken(request);
      let found: AuthContext | null = null;
      // Compare against every entry (no early exit), in constant time each.
      for (const [candidate, who] of entries) {
        if (timingSafeEqual(candidate, token) && found === null) {
          found =
            typeof who === 'string'
              ? { userId: who, role: 'user' }
              : { userId: null, role: 'service' };
        }
      }
      if (!found) throw new JobGateError('UNAUTHENTICATED', 'invalid token');
      return found;
    },
  };
}
