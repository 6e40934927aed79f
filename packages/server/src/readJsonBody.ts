import { JobGateError } from '@jobgate/core';

/**
 * Default request body limit (`maxBodyBytes`): 64 KiB, since job inputs are storage paths and
 * options, not files. Webhooks are bounded by their provider's `maxWebhookBytes` instead.
 */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
const MAX_DEPTH = 32;

/**
 * Reads the body as bytes, counting the stream itself (a Content-Length header is only
 * used to refuse early, never trusted to be honest). Throws PAYLOAD_TOO_LARGE past `maxBytes`.
 */
export async function readBodyBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof JobGateError) throw error;
    throw new JobGateError('VALIDATION', 'the request body could not be read', { cause: error });
  } finally {
    reader.releaseLock();
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Bounded, safe JSON: the size limit above, strict UTF-8, no `__proto__` keys, at most 32
 * levels deep. An empty body is `undefined`. Malformed input is a VALIDATION error, never a 5xx.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const bytes = await readBodyBytes(request, maxBytes);
  return parseJsonBytes(bytes);
}

export function parseJsonBytes(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new JobGateError('VALIDATION', 'the request body is not valid UTF-8', { cause: error });
  }
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text, (key, v: unknown) => (key === '__proto__' ? undefined : v));
  } catch (error) {
    throw new JobGateError('VALIDATION', 'the request body is not valid JSON', { cause: error });
  }
  if (depthOf(value) > MAX_DEPTH) {
    throw new JobGateError('VALIDATION', `the request body nests deeper than ${MAX_DEPTH} levels`);
  }
  return value;
}

function depthOf(root: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > max) max = depth;
    if (max > MAX_DEPTH) return max;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return max;
}

function tooLarge(maxBytes: number): JobGateError {
  return new JobGateError('PAYLOAD_TOO_LARGE', `the request body is larger than ${maxBytes} bytes`);
}
