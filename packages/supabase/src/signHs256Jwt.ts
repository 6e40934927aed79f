import { SignJWT } from 'jose';

/** Signs an HS256 JWT (for tests, local development and service tokens you mint yourself). */
export async function signHs256Jwt(
  claims: Record<string, unknown>,
  secret: string,
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(secret));
}
