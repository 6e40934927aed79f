import { describe, expect, it } from 'vitest';
import { MAX_WEBHOOK_BYTES, parseRunningHubWebhook } from '../parseRunningHubWebhook.js';
import { createRunningHubProvider } from '../runningHubProvider.js';
import { rejectionOf } from './helpers.js';

const post = (body: string, headers: Record<string, string> = {}) =>
  new Request('https://app.example/webhooks/runninghub/tok', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

const callback = (eventData: unknown, extra: Record<string, unknown> = {}) =>
  post(
    JSON.stringify({
      event: 'TASK_END',
      taskId: '1904163390028185602',
      eventData: typeof eventData === 'string' ? eventData : JSON.stringify(eventData),
      ...extra,
    }),
  );

describe('parseRunningHubWebhook', () => {
  it('reads a success: eventData is a JSON string shaped like the outputs answer', async () => {
    const update = await parseRunningHubWebhook(
      callback({
        code: 0,
        msg: 'success',
        data: [
          {
            fileUrl: 'https://rh-images.example/output/a.png',
            fileType: 'png',
            taskCostTime: 12,
            nodeId: '9',
          },
          { fileUrl: 'https://rh-images.example/output/b.png', fileType: 'png', nodeId: 10 },
          { fileType: 'png' },
        ],
      }),
    );
    expect(update).toEqual({
      taskId: '1904163390028185602',
      state: 'completed',
      progress: 1,
      output: {
        files: ['https://rh-images.example/output/a.png', 'https://rh-images.example/output/b.png'],
        outputs: [
          {
            url: 'https://rh-images.example/output/a.png',
            fileType: 'png',
            nodeId: '9',
            costTimeSec: 12,
          },
          {
            url: 'https://rh-images.example/output/b.png',
            fileType: 'png',
            nodeId: '10',
            costTimeSec: null,
          },
        ],
      },
      // The task's run time, recorded beside the credits charged.
      cost: { cost: 12, unit: 'seconds' },
    });
  });

  it('reads a failure with ComfyUI failedReason (805)', async () => {
    const update = await parseRunningHubWebhook(
      callback({
        code: 805,
        msg: 'APIKEY_TASK_STATUS_ERROR',
        data: {
          failedReason: {
            node_name: 'SONIC_PreData',
            node_id: '276',
            exception_message: 'missing 2 required positional arguments',
          },
        },
      }),
    );
    expect(update).toEqual({
      taskId: '1904163390028185602',
      state: 'failed',
      error: {
        code: '805',
        message: 'missing 2 required positional arguments (node SONIC_PreData)',
      },
    });
  });

  it('reads another failure code with its message', async () => {
    const update = await parseRunningHubWebhook(
      callback({ code: 433, msg: 'VALIDATE_PROMPT_FAILED' }),
    );
    expect(update).toMatchObject({
      state: 'failed',
      error: { code: '433', message: 'VALIDATE_PROMPT_FAILED' },
    });
  });

  it('accepts eventData already decoded as an object, and a numeric taskId', async () => {
    const update = await parseRunningHubWebhook(
      post(
        JSON.stringify({
          event: 'TASK_END',
          taskId: 42,
          eventData: { code: 0, msg: '', data: [] },
        }),
      ),
    );
    expect(update).toEqual({
      taskId: '42',
      state: 'completed',
      progress: 1,
      output: { files: [], outputs: [] },
    });
  });

  it('returns 804/813 and unknown events as non-final states (the runner changes nothing)', async () => {
    expect(await parseRunningHubWebhook(callback({ code: 804, msg: '' }))).toMatchObject({
      state: 'running',
    });
    expect(await parseRunningHubWebhook(callback({ code: 813, msg: '' }))).toMatchObject({
      state: 'pending',
    });
    expect(await parseRunningHubWebhook(callback({ code: 0 }, { event: 'TASK_PROGRESS' }))).toEqual(
      { taskId: '1904163390028185602', state: 'unknown' },
    );
  });

  it.each([
    ['a body that is not JSON', post('event=TASK_END'), /body is not JSON/],
    ['an empty body', post(''), /body is not JSON/],
    ['an array', post('[1,2]'), /not a JSON object/],
    ['no taskId', post(JSON.stringify({ event: 'TASK_END', eventData: '{}' })), /taskId/],
    [
      'a taskId that is not an id',
      post(JSON.stringify({ event: 'TASK_END', taskId: '../../x', eventData: '{}' })),
      /taskId/,
    ],
    ['no event', post(JSON.stringify({ taskId: '1', eventData: '{}' })), /event is missing/],
    ['eventData that is not JSON', callback('{"code":0,'), /eventData is not a JSON string/],
    ['eventData without a code', callback({ msg: 'success', data: [] }), /eventData has no/],
    [
      'a declared size over the limit',
      post('{}', { 'content-length': String(MAX_WEBHOOK_BYTES + 1) }),
      /larger than/,
    ],
    [
      'a body over the limit',
      post(JSON.stringify({ pad: 'x'.repeat(MAX_WEBHOOK_BYTES) })),
      /larger than/,
    ],
  ])('refuses %s with VALIDATION', async (_what, request, message) => {
    const error = await rejectionOf(parseRunningHubWebhook(request));
    expect(error.code).toBe('VALIDATION');
    expect(error.message).toMatch(/^malformed RunningHub webhook: /);
    expect(error.message).toMatch(message);
  });
});

describe('the callback size limit, one setting (#22)', () => {
  /** A success callback of `files` outputs, padded to exactly `bytes` bytes. */
  const callbackOf = (files: number, bytes?: number) => {
    const data = Array.from({ length: files }, (_, i) => ({
      fileUrl: `https://rh-images.example/output/ComfyUI_${String(i).padStart(5, '0')}_.png`,
      fileType: 'png',
      taskCostTime: '41',
      nodeId: '9',
      consumeMoney: null,
      consumeCoins: 12,
      thirdPartyConsumeMoney: null,
    }));
    const eventData = JSON.stringify({ code: 0, msg: 'success', data });
    const body = (pad: string) =>
      JSON.stringify({ event: 'TASK_END', taskId: '1904163390028185602', eventData, pad });
    const bare = new TextEncoder().encode(body('')).byteLength;
    return body(bytes === undefined ? '' : 'x'.repeat(bytes - bare));
  };
  const sizeOf = (text: string) => new TextEncoder().encode(text).byteLength;

  it('a callback of a task with 400 files is larger than a submit body may be, and is read', async () => {
    const text = callbackOf(400);
    expect(sizeOf(text)).toBeGreaterThan(64 * 1024);
    const update = await parseRunningHubWebhook(post(text));
    expect(update).toMatchObject({ state: 'completed' });
    expect((update.output as { files: string[] }).files).toHaveLength(400);
  });

  it('reads a callback of exactly MAX_WEBHOOK_BYTES; one byte more is refused', async () => {
    const atLimit = callbackOf(3, MAX_WEBHOOK_BYTES);
    expect(sizeOf(atLimit)).toBe(MAX_WEBHOOK_BYTES);
    expect(await parseRunningHubWebhook(post(atLimit))).toMatchObject({ state: 'completed' });
    const over = await rejectionOf(
      parseRunningHubWebhook(post(callbackOf(3, MAX_WEBHOOK_BYTES + 1))),
    );
    expect(over).toMatchObject({ code: 'VALIDATION' });
    expect(over.message).toMatch(/larger than 1000000 bytes/);
  });

  it('counts bytes, not characters: a body under the limit in characters but over it in bytes is refused', async () => {
    const text = JSON.stringify({ event: 'TASK_END', taskId: '1', pad: 'é'.repeat(600) });
    expect(text.length).toBeLessThan(1_000);
    expect(sizeOf(text)).toBeGreaterThan(1_000);
    const error = await rejectionOf(parseRunningHubWebhook(post(text), 1_000));
    expect(error.message).toMatch(/larger than 1000 bytes/);
  });

  it('the provider declares the same limit a server reads its callbacks up to, and parses by it', async () => {
    const provider = createRunningHubProvider({ apiKey: 'key' });
    expect(provider.maxWebhookBytes).toBe(MAX_WEBHOOK_BYTES);
    const over = await rejectionOf(
      provider.parseWebhook(post(callbackOf(1, MAX_WEBHOOK_BYTES + 1))),
    );
    expect(over.message).toMatch(/larger than 1000000 bytes/);
    expect(await provider.parseWebhook(post(callbackOf(1, MAX_WEBHOOK_BYTES)))).toMatchObject({
      state: 'completed',
    });
  });
});
