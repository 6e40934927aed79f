import { JobGateError, type JobStore } from '@jobgate/core';
import { type Authenticator, bearerToken } from '@jobgate/server';

/** The demo's users; `olga` is the operator (sees the whole queue, drives the chaos controls). */
export const DEMO_USERS = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;
export const DEMO_OPERATOR = 'olga';

export interface DevAuthenticatorOptions {
  /** The store the app runs on: a shared one (a Postgres server) refuses the dev sign-in. */
  store: JobStore;
  /** `--dev-auth`: sign-in without a password on a shared store too, knowingly. */
  allowSharedStore?: boolean;
  users?: readonly string[];
  operators?: readonly string[];
}

/** The bearer token of a demo user: anyone who knows a name can be that user. */
export const devToken = (userId: string): string => `dev-${userId}`;

/**
 * Signs in the demo users by name, with no password. It must never guard real data, so it
 * refuses to start on a store other processes share (a PostgreSQL server) unless
 * `allowSharedStore` (the `--dev-auth` flag) says so: an embedded PGlite or memory store only.
 */
export function devAuthenticator(options: DevAuthenticatorOptions): Authenticator {
  if (options.store.capabilities.shared && options.allowSharedStore !== true) {
    throw new JobGateError(
      'FORBIDDEN',
      'the dev sign-in lets anyone in without a password: it runs only on an embedded store (PGlite, memory) unless --dev-auth is given',
    );
  }
  const operators = new Set(options.operators ?? [DEMO_OPERATOR]);
  const users = new Set([...(options.users ?? DEMO_USERS), ...operators]);
  return {
    async authenticate(request) {
      const token = bearerToken(request);
      const userId = token.startsWith('dev-') ? token.slice(4) : '';
      if (!users.has(userId)) throw new JobGateError('UNAUTHENTICATED', 'unknown demo user');
      return {
        userId,
        role: 'user',
        claims: { role: operators.has(userId) ? 'operator' : 'user' },
      };
    },
  };
}
