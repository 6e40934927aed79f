import { JobGateError } from '@jobgate/core';

/** Who is calling: a user (routes about their own jobs) or the service (`POST /heal`). */
export interface AuthContext {
  /** The user id, from the verified token only. Null for service credentials. */
  userId: string | null;
  role: 'user' | 'service';
  /** The verified claims, where the credential is a JWT. */
  claims?: Readonly<Record<string, unknown>>;
}

/**
 * The port the handler authenticates through. Resolves with the caller, or throws
 * UNAUTHENTICATED (missing, malformed, forged or expired credentials).
 */
export interface Authenticator {
  authenticate(request: Request): Promise<AuthContext>;
}

/** The token of an `Authorization: Bearer <token>` header; UNAUTHENTICATED if there is none. */
export function bearerToken(request: Request): string {
  const header = request.headers.get('authorization');
  const match = header === null ? null : /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  if (!match?.[1]) {
    throw new JobGateError('UNAUTHENTICATED', 'missing bearer token');
  }
  return match[1];
}
