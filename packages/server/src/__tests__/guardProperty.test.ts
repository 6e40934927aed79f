import { invalidInputs, sampleInputs } from '@jobgate/example-tools';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setup, TOKENS, TOOL_IDS, type ToolId, uuid } from './harness.js';

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;

/** One request a client (or an attacker) might send. */
const requestArb = fc.oneof(
  fc.record({
    kind: fc.constant('submit' as const),
    user: fc.constantFrom(...USERS),
    id: fc.oneof(fc.integer({ min: 1, max: 12 }).map(uuid), fc.string({ maxLength: 8 })),
    tool: fc.oneof(fc.constantFrom(...TOOL_IDS), fc.constantFrom('nope', '', '__proto__')),
    // sample: the job's own upload; unowned: files at paths that are not this job's upload.
    input: fc.constantFrom('sample', 'unowned', 'invalid', 'garbage'),
  }),
  fc.record({
    kind: fc.constant('cancel' as const),
    user: fc.constantFrom(...USERS),
    id: fc.integer({ min: 1, max: 12 }).map(uuid),
    confirm: fc.option(fc.boolean(), { nil: undefined }),
  }),
  fc.record({
    kind: fc.constantFrom('get' as const, 'events' as const),
    user: fc.constantFrom(...USERS),
    id: fc.integer({ min: 1, max: 12 }).map(uuid),
  }),
  fc.record({
    kind: fc.constantFrom('active' as const, 'cancel-session' as const, 'slots' as const),
    user: fc.constantFrom(...USERS),
  }),
  fc.record({
    kind: fc.constant('raw' as const),
    user: fc.constantFrom(...USERS),
    path: fc.constantFrom('/jobs', `/jobs/${uuid(1)}/cancel`, '/jobs/cancel-session'),
    body: fc.oneof(fc.string({ maxLength: 40 }), fc.json({ maxDepth: 3 })),
  }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 20_000 }) }),
);

describe('the guard, property: any sequence of requests', () => {
  it('never answers a 5xx, always in the error format, and never leaves a job starting or fake-queued', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(requestArb, { minLength: 1, maxLength: 25 }), async (requests) => {
        const { call, store, clock, upload } = setup();
        for (const r of requests) {
          if (r.kind === 'tick') {
            await clock.advance(r.ms);
            continue;
          }
          const token = TOKENS[r.user];
          let answer: Awaited<ReturnType<typeof call>>;
          switch (r.kind) {
            case 'submit': {
              const known = (TOOL_IDS as readonly string[]).includes(r.tool);
              const tool = r.tool as ToolId;
              const input = !known
                ? {}
                : r.input === 'garbage'
                  ? { x: [1, { y: null }] }
                  : r.input === 'sample'
                    ? upload(tool, r.id, r.user)
                    : (r.input === 'unowned' ? sampleInputs : invalidInputs)[tool];
              const rows = store.snapshot().length;
              answer = await call('POST', '/jobs', {
                token,
                body: { jobId: r.id, tool: r.tool, input },
              });
              // Files that are not this job's upload never get a job of their own.
              if (r.input === 'unowned') expect(store.snapshot()).toHaveLength(rows);
              break;
            }
            case 'cancel':
              answer = await call('POST', `/jobs/${r.id}/cancel`, {
                token,
                body: r.confirm === undefined ? {} : { confirm: r.confirm },
              });
              break;
            case 'get':
              answer = await call('GET', `/jobs/${r.id}`, { token });
              break;
            case 'events': {
              answer = await call('GET', `/jobs/${r.id}/events`, { token });
              if (!answer.response.bodyUsed) await answer.response.body?.cancel();
              break;
            }
            case 'active':
              answer = await call('GET', '/jobs/active', { token });
              break;
            case 'cancel-session':
              answer = await call('POST', '/jobs/cancel-session', { token });
              break;
            case 'slots':
              answer = await call('GET', '/slots', { token });
              break;
            case 'raw':
              answer = await call('POST', r.path, { token, raw: r.body });
              break;
          }
          expect(answer.status, JSON.stringify(r)).toBeLessThan(500);
          if (answer.status >= 400) {
            expect(answer.body?.error).toMatchObject({
              code: expect.any(String),
              message: expect.any(String),
            });
            const named = answer.body?.error?.jobId;
            if (named && answer.body?.error?.code !== 'CONFIRM_REQUIRED') {
              const job = await store.get(named);
              // The job the error names is terminal, or is a real, untouched job of the caller.
              if (job && job.userId === r.user) {
                expect(['completed', 'failed', 'cancelled', 'running', 'queued']).toContain(
                  job.status,
                );
              }
            }
          }
          // I4 after every request: nothing starting, nothing queued without a real place.
          for (const job of store.snapshot()) {
            expect(job.status, JSON.stringify(job)).not.toBe('starting');
            if (job.status === 'queued') {
              expect(job.waitedInQueue).toBe(true);
              expect(job.position).not.toBeNull();
            }
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
