import { JobGateError, toJobGateError } from '@jobgate/core';
import { withoutJob } from '../answerError.js';
import { jsonResponse } from '../jsonResponse.js';
import type { RouteContext } from './routeContext.js';

/**
 * `POST /webhooks/:provider/:token`: a provider's callback, authenticated by its per-job
 * token (no bearer credentials). The body is bounded by the provider's own
 * `maxWebhookBytes` (a callback may list many result files; the handler's `maxBodyBytes` when
 * the provider does not say), and the runner gets a copy of the request with that body.
 */
export async function webhook(ctx: RouteContext<'public'>): Promise<Response> {
  const [provider, token] = ctx.params;
  if (provider !== ctx.runner.provider.id || !token) {
    throw new JobGateError('NOT_FOUND', 'no such webhook');
  }
  const bytes = await ctx.bytes(ctx.runner.provider.maxWebhookBytes);
  const copy = new Request(ctx.request.url, {
    method: 'POST',
    headers: ctx.request.headers,
    body: bytes.byteLength > 0 ? (bytes as BodyInit) : null,
  });
  try {
    await ctx.runner.handleWebhook(token, copy);
  } catch (error) {
    const err = toJobGateError(error, 'VALIDATION');
    // A provider must not learn whether a job exists from a forged token.
    throw err.code === 'NOT_FOUND' ? withoutJob(err) : err;
  }
  return jsonResponse({ ok: true });
}
