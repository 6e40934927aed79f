import { JobGateError, type ProviderUpdate } from '@jobgate/core';
import { envelopeOf, type RunningHubEnvelope } from './runningHubClient.js';
import { RUNNINGHUB_ID } from './runningHubId.js';
import { statusFromOutputs } from './runningHubOutputs.js';

/**
 * The largest RunningHub callback accepted, in bytes: 1 MB. A callback lists every file of a
 * task (a URL, its type, node and cost each, inside a JSON string), so one of a workflow with
 * hundreds of outputs is larger than the 64 KiB a submit body may be. The provider declares it
 * (`RunningHubProvider.maxWebhookBytes`), so a server reads callbacks up to the same limit.
 */
export const MAX_WEBHOOK_BYTES = 1_000_000;

function invalid(message: string, cause?: unknown): JobGateError {
  return new JobGateError('VALIDATION', `malformed RunningHub webhook: ${message}`, {
    cause,
    details: { provider: 'runninghub' },
  });
}

/**
 * Parses RunningHub's completion callback:
 * `{ "event": "TASK_END", "taskId": "…", "eventData": "{\"code\":0,\"msg\":\"success\",\"data\":[…]}" }`
 * where `eventData` is a JSON string with the same shape as the outputs answer. Returns the
 * task's update (completed with its files, or failed with RunningHub's code and reason).
 * Throws VALIDATION for anything else. Events other than `TASK_END` are returned as
 * state `unknown`, which the runner ignores.
 *
 * RunningHub does not sign callbacks: authenticity comes from the per-job token in the
 * callback URL, which `JobRunner.handleWebhook` checks before calling this. A body over
 * `maxBytes` (default {@link MAX_WEBHOOK_BYTES}), counted in bytes, is refused too.
 */
export async function parseRunningHubWebhook(
  request: Request,
  maxBytes: number = MAX_WEBHOOK_BYTES,
): Promise<ProviderUpdate> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw invalid(`body larger than ${maxBytes} bytes`);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await request.arrayBuffer());
  } catch (cause) {
    throw invalid('unreadable body', cause);
  }
  if (bytes.byteLength > maxBytes) throw invalid(`body larger than ${maxBytes} bytes`);
  const text = new TextDecoder().decode(bytes);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw invalid('body is not JSON', cause);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('body is not a JSON object');
  }
  const { event, taskId, eventData } = body as Record<string, unknown>;
  const id = typeof taskId === 'number' && Number.isSafeInteger(taskId) ? String(taskId) : taskId;
  if (typeof id !== 'string' || !RUNNINGHUB_ID.test(id)) {
    throw invalid('taskId is missing or not an id');
  }
  if (typeof event !== 'string' || event.length === 0) throw invalid('event is missing');
  if (event !== 'TASK_END') return { taskId: id, state: 'unknown' };
  let data: unknown = eventData;
  if (typeof eventData === 'string') {
    try {
      data = JSON.parse(eventData);
    } catch (cause) {
      throw invalid('eventData is not a JSON string', cause);
    }
  }
  let envelope: RunningHubEnvelope;
  try {
    envelope = envelopeOf(data, 'webhook');
  } catch (cause) {
    throw invalid('eventData has no { code, msg, data }', cause);
  }
  // 804/813 (still running or queued) change nothing; a heal pass polls such a task later.
  return { taskId: id, ...statusFromOutputs(envelope) };
}
