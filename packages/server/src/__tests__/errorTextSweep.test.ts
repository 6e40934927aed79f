import {
  type ErrorCode,
  type Job,
  JobGateError,
  JobRunner,
  type JobStore,
  MemoryStore,
  type Provider,
  type ProviderFile,
  type ProviderStartContext,
  type ProviderStatus,
  rpcBilling,
} from '@jobgate/core';
import { webhookToken } from '@jobgate/core/adapter';
import { FakeClock, MemoryFileStorage } from '@jobgate/core/testing';
import { tools, uploadSampleInput } from '@jobgate/example-tools';
import { describe, expect, it } from 'vitest';
import { createJobHandler } from '../createJobHandler.js';
import { MemoryRateLimiter } from '../rateLimiter.js';
import { staticTokenAuthenticator } from '../staticTokenAuthenticator.js';

// Every internal text below carries one of these: SQL, a host, a file path, a provider's raw
// code names. None may reach what a user reads: an answer, a job row, an event.
const LEAKS =
  /select |jobgate_get|schema "|10\.0\.0\.7|:5432|\/var\/lib|APIKEY_|TASK_QUEUE_MAXED|PL\/pgSQL|node_errors|\bat [^\s]+\.ts:\d+/;
const SECRET = 'sweep-webhook-secret-0123456789';
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const stackOf = (message: string) => {
  const e = new Error(message);
  e.stack = `Error: ${message}\n    at query (/srv/app/src/db.ts:12:7)`;
  return e;
};

/** What the provider answers, per user: the script of the sweep. */
type Behaviour = 'ok' | 'busy' | 'rejected' | 'config' | 'task-lost';

class ScriptedProvider implements Provider {
  readonly id = 'scripted';
  readonly behaviour = new Map<string, Behaviour>();
  failUploads = false;
  #n = 0;
  of(userId: string): Behaviour {
    return this.behaviour.get(userId) ?? 'ok';
  }
  async upload(file: ProviderFile, _signal: AbortSignal): Promise<string> {
    if (this.failUploads) {
      throw new JobGateError(
        'PROVIDER_REJECTED',
        'upload answered 808 APIKEY_UPLOAD_FAILED at 10.0.0.7',
        {
          providerCode: 808,
        },
      );
    }
    return `ref-${file.name}`;
  }
  async start(context: ProviderStartContext): Promise<{ taskId: string }> {
    const raw = {
      providerCode: 801,
      cause: stackOf('RunningHub 801 APIKEY_UNSUPPORTED_FREE_USER'),
    };
    switch (this.of(context.job.userId)) {
      case 'busy':
        throw new JobGateError('PROVIDER_BUSY', '421 TASK_QUEUE_MAXED at 10.0.0.7', {
          providerCode: 421,
        });
      case 'rejected':
        throw new JobGateError('PROVIDER_REJECTED', '433 node_errors: node 26 LoadImage', {
          providerCode: 433,
        });
      case 'config':
        throw new JobGateError(
          'PROVIDER_CONFIG',
          'RunningHub start answered 801 APIKEY_UNSUPPORTED_FREE_USER',
          raw,
        );
      default:
        return { taskId: `task-${++this.#n}` };
    }
  }
  async status(_taskId: string, context: { job: Job }): Promise<ProviderStatus> {
    if (this.of(context.job.userId) === 'task-lost') {
      return {
        state: 'unknown',
        error: { code: '807', message: 'APIKEY_TASK_NOT_FOUND at 10.0.0.7' },
      };
    }
    return { state: 'running' };
  }
  async cancel(): Promise<void> {}
  async parseWebhook(request: Request) {
    return (await request.json()) as ProviderStatus & { taskId: string };
  }
}

function world() {
  const clock = new FakeClock(Date.UTC(2026, 1, 1));
  const memory = new MemoryStore();
  // The database fails when the sweep says so, with a driver's own words.
  let fault: { method: string; error: unknown } | null = null;
  const store = new Proxy(memory, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (fault && fault.method === key) {
          const { error } = fault;
          return Promise.reject(error);
        }
        return value.apply(target, args);
      };
    },
  }) as JobStore;
  const files = new MemoryFileStorage();
  const storage = new Proxy(files, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (key !== 'read' || typeof value !== 'function') return value;
      return (path: string) =>
        path.endsWith('/broken.png')
          ? Promise.reject(
              stackOf('EACCES: permission denied, open /var/lib/storage/x at 10.0.0.7'),
            )
          : value.call(target, path);
    },
  });
  const provider = new ScriptedProvider();
  const poor = new Set<string>();
  const billing = rpcBilling({
    call: async (fn, args) => {
      if (fn === 'charge' && poor.has(String(args.p_user_id))) {
        throw stackOf('insufficient credits CONTEXT: PL/pgSQL function charge line 7 at RAISE');
      }
      if (fn === 'charge' && args.p_user_id === 'down') {
        throw stackOf('connect ECONNREFUSED 10.0.0.7:5432');
      }
      return true;
    },
    charge: 'charge',
    refund: 'refund',
  });
  const runner = new JobRunner({
    store,
    provider,
    tools,
    storage,
    clock,
    billing,
    random: () => 0.5,
    // Room for every job of the sweep: the queue is not what is under test.
    policy: { globalCap: 20 },
    webhook: { baseUrl: 'https://api.example.test', secret: SECRET },
    timeouts: { staleStartMs: 1_000, startLeaseMs: 1_000, lostStartMs: 2_000 },
  });
  const users = [
    'alice',
    'bob',
    'carol',
    'dave',
    'erin',
    'frank',
    'grace',
    'heidi',
    'ivan',
    'judy',
    'poor',
    'down',
    'late',
  ];
  const handler = createJobHandler({
    runner,
    auth: staticTokenAuthenticator({
      ...Object.fromEntries(users.map((u) => [`t-${u}`, u])),
      't-service': { role: 'service' },
    }),
    rateLimiter: new MemoryRateLimiter(),
    rateLimits: { read: { limit: 40, windowMs: 60_000 } },
    maxBodyBytes: 4_096,
    logger: { error: () => undefined },
  });
  const seen: { where: string; text: string; code?: string }[] = [];
  const call = async (method: string, path: string, user: string | null, body?: unknown) => {
    const response = await handler(
      new Request(`https://api.example.test${path}`, {
        method,
        headers: {
          ...(user ? { authorization: `Bearer t-${user}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined
          ? {}
          : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      }),
    );
    const text = await response.text();
    const parsed = text.startsWith('{') ? (JSON.parse(text) as { error?: { code: string } }) : {};
    seen.push({ where: `${method} ${path}`, text, code: parsed.error?.code });
    return { status: response.status, body: parsed as { error?: { code: string }; job?: Job } };
  };
  const submit = (n: number, user: string, tool: 'veste-ai' | 'upscaler' = 'veste-ai') =>
    call('POST', '/jobs', user, {
      jobId: uuid(n),
      tool,
      input: uploadSampleInput(files, tool, { userId: user, jobId: uuid(n) }),
    });
  return {
    clock,
    memory,
    files,
    provider,
    poor,
    runner,
    handler,
    call,
    submit,
    seen,
    setFault: (f: typeof fault) => {
      fault = f;
    },
  };
}

describe('the error-text sweep (#21)', () => {
  it('triggers every server-side code; no answer, row or event holds SQL, a host, a path, a stack or a provider’s raw text', async () => {
    const w = world();
    const { call, submit, provider, clock, memory } = w;
    const codes = new Set<string>();
    const note = (code: string | undefined) => code && codes.add(code);

    note((await call('POST', '/jobs', 'alice', { jobId: 'nope' })).body.error?.code); // VALIDATION
    note((await call('GET', '/slots', null)).body.error?.code); // UNAUTHENTICATED
    note((await call('POST', '/maintenance', 'alice', {})).body.error?.code); // FORBIDDEN
    note((await call('POST', '/jobs', 'alice', 'x'.repeat(10_000))).body.error?.code); // PAYLOAD_TOO_LARGE
    await submit(1, 'alice');
    note((await call('GET', `/jobs/${uuid(1)}`, 'bob')).body.error?.code); // NOT_FOUND
    note((await submit(2, 'alice')).body.error?.code); // ACTIVE_JOB_EXISTS
    note(
      (await call('POST', '/jobs', 'bob', { jobId: uuid(1), tool: 'veste-ai', input: {} })).body
        .error?.code,
    ); // CONFLICT
    note((await call('POST', `/jobs/${uuid(1)}/cancel`, 'alice', {})).body.error?.code); // CONFIRM_REQUIRED
    await call('POST', `/jobs/${uuid(1)}/cancel`, 'alice', { confirm: true }); // CANCELLED_BY_USER (row)
    w.poor.add('poor');
    note((await submit(3, 'poor')).body.error?.code); // INSUFFICIENT_CREDITS
    note((await submit(4, 'down')).body.error?.code); // INTERNAL (a billing adapter's failure)
    provider.behaviour.set('bob', 'rejected');
    note((await submit(5, 'bob')).body.error?.code); // PROVIDER_REJECTED
    provider.behaviour.set('carol', 'config');
    note((await submit(6, 'carol')).body.error?.code); // PROVIDER_CONFIG
    // An upload the provider refuses, with its raw words: PROVIDER_UPLOAD.
    provider.failUploads = true;
    note((await submit(8, 'erin', 'upscaler')).body.error?.code);
    provider.failUploads = false;
    // The database: gone (STORE_UNAVAILABLE), then a driver error (INTERNAL/STORAGE_ERROR).
    w.setFault({
      method: 'get',
      error: Object.assign(stackOf('connect ECONNREFUSED 10.0.0.7:5432'), { code: 'ECONNREFUSED' }),
    });
    note((await call('GET', `/jobs/${uuid(1)}`, 'alice')).body.error?.code); // INTERNAL
    w.setFault({
      method: 'get',
      error: new JobGateError(
        'STORE_UNAVAILABLE',
        'the database could not be reached at 10.0.0.7:5432',
      ),
    });
    note((await call('GET', `/jobs/${uuid(1)}`, 'alice')).body.error?.code); // STORE_UNAVAILABLE
    w.setFault({
      method: 'get',
      error: new JobGateError(
        'STORAGE_ERROR',
        'schema "ledger_typo" does not exist (select * from jobgate_get)',
      ),
    });
    note((await call('GET', `/jobs/${uuid(1)}`, 'alice')).body.error?.code); // STORAGE_ERROR
    w.setFault(null);
    // Running jobs for the heal rules and the webhook.
    provider.behaviour.set('grace', 'task-lost');
    await submit(10, 'grace');
    await submit(11, 'heidi');
    await submit(12, 'ivan', 'upscaler');
    // A phantom starting row (STALE_START) and a running job with no task (START_LOST).
    await memory.create(
      {
        id: uuid(13),
        tool: 'veste-ai',
        userId: 'judy',
        pool: 'default',
        input: {},
        userCreditCost: 0,
      },
      { maxActivePerUser: 1, now: clock.now() },
    );
    // The provider's failure, by webhook, with its raw words; followed on an event stream.
    const events = await w.handler(
      new Request(`https://api.example.test/jobs/${uuid(11)}/events`, {
        headers: { authorization: 'Bearer t-heidi' },
      }),
    );
    const heidi = (await memory.get(uuid(11)))!;
    const token = await webhookToken(SECRET, uuid(11), heidi.attempts);
    const hook = await call('POST', `/webhooks/scripted/${token}`, null, {
      taskId: heidi.taskId,
      state: 'failed',
      error: {
        code: '805',
        message: 'KSampler RuntimeError at /var/lib/comfy/nodes.py:12 (10.0.0.7)',
      },
    });
    expect(hook.status).toBe(200);
    const eventText = await new Response(events.body).text();
    // An input the storage cannot read, with its own words (a path, a host): STORAGE_ERROR (retried
    // with backoff at the queue's head, like a busy provider, so it comes last here).
    note(
      (
        await call('POST', '/jobs', 'frank', {
          jobId: uuid(9),
          tool: 'upscaler',
          input: {
            ...uploadSampleInput(w.files, 'upscaler', { userId: 'frank', jobId: uuid(9) }),
            image: `upscaler/frank/${uuid(9)}/broken.png`,
          },
        })
      ).body.error?.code,
    );
    // A busy provider: the job waits at the head of the queue (and so does every job behind it).
    provider.behaviour.set('dave', 'busy');
    await submit(7, 'dave'); // PROVIDER_BUSY (the queued row's message)
    // TIMEOUT, TASK_LOST, STALE_START: heal.
    await clock.advance(11 * 60_000);
    await call('POST', '/maintenance', 'service', {});
    // RATE_LIMITED: past the read limit.
    let limited: string | undefined;
    for (let i = 0; i < 50 && !limited; i++) {
      const r = await call('GET', '/slots', 'late');
      if (r.status === 429) limited = r.body.error?.code;
    }
    note(limited);

    const rows = memory.snapshot();
    for (const row of rows) note(row.errorCode ?? undefined);
    const shown = [
      ...w.seen.map((s) => ({ where: s.where, text: s.text })),
      { where: 'event stream', text: eventText },
      ...rows.map((row) => ({
        where: `row ${row.id} (${row.errorCode})`,
        text: JSON.stringify(row),
      })),
    ];
    const leaks = shown.filter((s) => LEAKS.test(s.text));
    const expected: ErrorCode[] = [
      'VALIDATION',
      'UNAUTHENTICATED',
      'FORBIDDEN',
      'NOT_FOUND',
      'PAYLOAD_TOO_LARGE',
      'RATE_LIMITED',
      'ACTIVE_JOB_EXISTS',
      'CONFIRM_REQUIRED',
      'CONFLICT',
      'INSUFFICIENT_CREDITS',
      'PROVIDER_BUSY',
      'PROVIDER_REJECTED',
      'PROVIDER_ERROR',
      'PROVIDER_CONFIG',
      'PROVIDER_UPLOAD',
      'STALE_START',
      'TASK_LOST',
      'TIMEOUT',
      'CANCELLED_BY_USER',
      'STORAGE_ERROR',
      'STORE_UNAVAILABLE',
      'INTERNAL',
    ];
    const missing = expected.filter((c) => !codes.has(c));
    console.log(
      `error-text sweep: ${codes.size} codes triggered (${[...codes].sort().join(', ')}), ${shown.length} answers, rows and events checked, ${leaks.length} leaks`,
    );
    expect(missing).toEqual([]);
    expect(eventText).toContain('event: job');
    expect(leaks).toEqual([]);
  }, 30_000);
});
