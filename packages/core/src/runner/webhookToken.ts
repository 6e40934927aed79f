import { JobGateError } from '../domain/errors.js';
import { hmacSha256 } from './hmacSha256.js';

const encoder = new TextEncoder();

/**
 * The per-job callback token `{jobId}.{hmac}`: providers that do not sign callbacks
 * (RunningHub) get a URL only this server could have made, and the job is found by id
 * whether or not its task id is saved yet. Nothing is stored.
 */
export async function webhookToken(secret: string, jobId: string): Promise<string> {
  if (secret.length < 16)
    throw new JobGateError('INTERNAL', 'the webhook secret must be at least 16 characters');
  return `${jobId}.${await hmacSha256(secret, `jobgate-webhook:${jobId}`)}`;
}

/** Returns the job id of a valid token; throws UNAUTHENTICATED otherwise (constant-time compare). */
export async function verifyWebhookToken(secret: string, token: string): Promise<string> {
  const dot = token.lastIndexOf('.');
  const jobId = dot > 0 ? token.slice(0, dot) : '';
  const expected = jobId ? await webhookToken(secret, jobId) : '';
  if (!jobId || !timingSafeEqual(expected, token)) {
    throw new JobGateError('UNAUTHENTICATED', 'invalid webhook token');
  }
  return jobId;
}

export function timingSafeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
