import { webhookToken } from '@jobgate/core/adapter';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BODY_BYTES } from '../readJsonBody.js';
import { setup, uuid, WEBHOOK_SECRET } from './harness.js';

const sizeOf = (text: string) => new TextEncoder().encode(text).byteLength;

/** `fields` as JSON with a `pad` field making it exactly `bytes` bytes long. */
function padded(fields: Record<string, unknown>, bytes: number): string {
  const bare = sizeOf(JSON.stringify({ ...fields, pad: '' }));
  const text = JSON.stringify({ ...fields, pad: 'x'.repeat(bytes - bare) });
  expect(sizeOf(text)).toBe(bytes);
  return text;
}

describe('body limits: one setting for request bodies, the provider’s for its callbacks (#22)', () => {
  it('a request body of exactly maxBodyBytes is read; one byte more is PAYLOAD_TOO_LARGE', async () => {
    const { call, upload } = setup({ maxBodyBytes: 2_048 });
    const submit = (n: number, bytes: number) =>
      call('POST', '/jobs', {
        raw: padded(
          { jobId: uuid(n), tool: 'veste-ai', input: upload('veste-ai', uuid(n)) },
          bytes,
        ),
        headers: { 'content-type': 'application/json' },
      });
    const over = await submit(1, 2_049);
    expect(over.status).toBe(413);
    expect(over.body?.error?.code).toBe('PAYLOAD_TOO_LARGE');
    const atLimit = await submit(2, 2_048);
    expect(atLimit.status).toBe(200);
    expect(atLimit.body?.job?.id).toBe(uuid(2));
  });

  it('a callback is read up to the provider’s maxWebhookBytes, past the request limit; one byte more is PAYLOAD_TOO_LARGE', async () => {
    const { call, upload, provider, store } = setup();
    const limit = DEFAULT_MAX_BODY_BYTES + 10_000;
    Object.assign(provider, { maxWebhookBytes: limit });
    const submitted = await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool: 'veste-ai', input: upload('veste-ai', uuid(1)) },
    });
    const job = submitted.body!.job!;
    const hook = async (bytes: number) =>
      call('POST', `/webhooks/simulated/${await webhookToken(WEBHOOK_SECRET, job.id)}`, {
        token: null,
        raw: padded({ taskId: job.taskId, state: 'running', progress: 0.5 }, bytes),
        headers: { 'content-type': 'application/json' },
      });
    const over = await hook(limit + 1);
    expect(over.status).toBe(413);
    expect(over.body?.error?.code).toBe('PAYLOAD_TOO_LARGE');
    const atLimit = await hook(limit);
    expect(atLimit.status).toBe(200);
    expect((await store.get(job.id))?.progress).toBe(0.5);
  });

  it('a provider that declares no limit has its callbacks bounded by maxBodyBytes', async () => {
    const { call, upload } = setup({ maxBodyBytes: 2_048 });
    const submitted = await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool: 'veste-ai', input: upload('veste-ai', uuid(1)) },
    });
    const job = submitted.body!.job!;
    const path = `/webhooks/simulated/${await webhookToken(WEBHOOK_SECRET, job.id)}`;
    const fields = { taskId: job.taskId, state: 'running' };
    const over = await call('POST', path, { token: null, raw: padded(fields, 2_049) });
    expect(over.body?.error?.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await call('POST', path, { token: null, raw: padded(fields, 2_048) })).status).toBe(
      200,
    );
  });
});
