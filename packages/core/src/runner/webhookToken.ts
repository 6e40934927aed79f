import { JobGateError } from '../domain/errors.js';
import { hmacSha256 } from './hmacSha256.js';

const encoder = new TextEncoder();

/** What a valid callback token names: the job and the start attempt it was made for. */
export interface WebhookTokenClaims {
  jobId: string;
  attempt: number;
}

/**
 * The per-job callback token `{jobId}.{attempt}.{hmac}`: providers that do not sign callbacks
 * (RunningHub) get a URL only this server could have made, bound to the job and to the start
 * attempt (`job.attempts` when it was started), so the token of another job, or of an earlier
 * attempt that went back to the queue, is refused. The job is found by id whether or not its
 * task id is saved yet. Nothing is stored.
 */
export async function webhookToken(secret: string, jobId: string, attempt = 0): Promise<string> {
  if (secret.length < 16)
    throw new JobGateError('INTERNAL', 'the webhook secret must be at least 16 characters');
  if (!Number.isSafeInteger(attempt) || attempt < 0) {
    throw new JobGateError('INTERNAL', `a start attempt is a whole number, not ${attempt}`);
  }
  return `${jobId}.${attempt}.${await hmacSha256(secret, `jobgate-webhook:${jobId}:${attempt}`)}`;
}

/**
 * The job and attempt of a valid token; UNAUTHENTICATED otherwise (constant-time compare).
 * `secrets` is the current secret first, then any previous ones still accepted while a
 * rotation is under way (jobs started before it carry tokens of the old secret).
 */
export async function verifyWebhookToken(
  secrets: string | readonly string[],
  token: string,
): Promise<WebhookTokenClaims> {
  const match = /^(.+)\.(0|[1-9]\d{0,8})\.([A-Za-z0-9_-]+)$/.exec(token);
  if (match) {
    const jobId = match[1]!;
    const attempt = Number(match[2]);
    for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
      if (timingSafeEqual(await webhookToken(secret, jobId, attempt), token)) {
        return { jobId, attempt };
      }
    }
  }
  throw new JobGateError('UNAUTHENTICATED', 'invalid webhook token');
}

export function timingSafeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
