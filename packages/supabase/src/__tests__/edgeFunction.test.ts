import { randomUUID } from 'node:crypto';
import { webhookToken } from '@jobgate/core/adapter';
import { SIMULATED_RESULT } from '@jobgate/core/testing';
import { invalidInputs } from '@jobgate/example-tools';
import { describeWith } from '@jobgate/testkit';
import { describe, expect, it } from 'vitest';
import { type Answer, edgeFunctionStack, TOOL_IDS, WEBHOOK_SECRET } from './edgeFunctionStack.js';

// The existing app's scenarios, for each tool, on the starter's edge function (see edgeFunctionStack.ts).
describeWith(
  'postgres',
  'the Supabase starter: edge function in Deno, supabase-js, PostgreSQL',
  () => {
    const { token, call, input, row, nonTerminal, sql } = edgeFunctionStack();

    describe.each(TOOL_IDS)('tool %s', (tool) => {
      it('1. invalid input and rapid clicks: refused with a code, no row, never blocking, a retry runs', async () => {
        const user = randomUUID();
        const t = await token(user);
        const limitedId = randomUUID();
        // Uploaded before the burst: the clicks below fit in one rate-limit window.
        const limitedInput = await input(tool, user, limitedId);
        const bad = await call('POST', '/jobs', {
          token: t,
          body: { jobId: randomUUID(), tool, input: invalidInputs[tool] },
        });
        expect(bad.status).toBe(400);
        expect(bad.body?.error?.code).toBe('VALIDATION');
        expect(await row(bad.body!.error!.jobId!)).toBeFalsy();
        // Rapid clicks: four more (five in the window), then a good one is over the limit.
        for (let i = 0; i < 4; i++) {
          await call('POST', '/jobs', {
            token: t,
            body: { jobId: randomUUID(), tool, input: invalidInputs[tool] },
          });
        }
        const limited = await call('POST', '/jobs', {
          token: t,
          body: { jobId: limitedId, tool, input: limitedInput },
        });
        if (limited.status !== 429) {
          // The window rolled over mid-burst: the click ran. Not what this test checks.
          expect(limited.status).toBe(200);
          return;
        }
        expect(limited.body?.error).toMatchObject({ code: 'RATE_LIMITED', jobId: limitedId });
        expect(await row(limitedId)).toBeFalsy();
        expect(await nonTerminal([user])).toEqual([]);
        expect((await call('GET', '/jobs/active', { token: t })).body).toEqual({ job: null });
        await new Promise((r) => setTimeout(r, Number(limited.headers.get('retry-after')) * 1000));
        // The same click (same job id) runs once the window has passed.
        const retry = await call('POST', '/jobs', {
          token: t,
          body: { jobId: limitedId, tool, input: limitedInput },
        });
        expect(retry.status).toBe(200);
        expect(retry.body?.job?.status).toBe('running');
      });

      it('2. three running → the 4th is queued at position 1, and runs when a slot frees', async () => {
        const users = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
        const ids = users.map(() => randomUUID());
        const answers: Answer[] = [];
        for (const [i, user] of users.entries()) {
          answers.push(
            await call('POST', '/jobs', {
              token: await token(user),
              body: { jobId: ids[i], tool, input: await input(tool, user, ids[i]!) },
            }),
          );
        }
        expect(answers.map((a) => a.body?.job?.status)).toEqual([
          'running',
          'running',
          'running',
          'queued',
        ]);
        expect(answers[3]?.body?.job).toMatchObject({ waitedInQueue: true, position: 1 });
        const slots = await call('GET', '/slots', { token: await token(users[0]!) });
        expect(slots.body).toMatchObject({ cap: 3, running: 3, queued: 1 });
        // The provider's callback ends the first job; the queue head takes its slot.
        const first = await row(ids[0]!);
        const hook = await call(
          'POST',
          `/webhooks/simulated/${await webhookToken(WEBHOOK_SECRET, ids[0]!)}`,
          {
            body: {
              taskId: first?.task_id,
              state: 'completed',
              output: { files: [SIMULATED_RESULT] },
            },
          },
        );
        expect(hook.status).toBe(200);
        expect(await row(ids[0]!)).toMatchObject({ status: 'completed' });
        const fourth = await call('GET', `/jobs/${ids[3]}`, { token: await token(users[3]!) });
        expect(fourth.body?.job).toMatchObject({ status: 'running', waitedInQueue: true });
      });

      it('3. a phantom row of the old shape is healed by GET /jobs/active and stops blocking', async () => {
        const user = randomUUID();
        const t = await token(user);
        const phantom = randomUUID();
        await sql.query(
          `insert into jobgate_jobs (id, tool, user_id, status, waited_in_queue, position, task_id, user_credit_cost, created_at, updated_at)
       values ($1, $2, $3, 'queued', false, null, null, 0, now() - interval '60 seconds', now() - interval '60 seconds')`,
          [phantom, tool, user],
        );
        const active = await call('GET', '/jobs/active', { token: t });
        expect(active.body).toEqual({ job: null });
        expect(await row(phantom)).toMatchObject({
          status: 'cancelled',
          error_code: 'STALE_START',
        });
        const nextId = randomUUID();
        const next = await call('POST', '/jobs', {
          token: t,
          body: { jobId: nextId, tool, input: await input(tool, user, nextId) },
        });
        expect(next.status).toBe(200);
      });

      it('4. cancel: an unreal queued job freely, a real one only with confirm, never another user’s', async () => {
        const owner = randomUUID();
        const t = await token(owner);
        const unreal = randomUUID();
        await sql.query(
          `insert into jobgate_jobs (id, tool, user_id, status, created_at, updated_at)
       values ($1, $2, $3, 'queued', now(), now())`,
          [unreal, tool, owner],
        );
        const free = await call('POST', `/jobs/${unreal}/cancel`, { token: t, body: {} });
        expect(free.status).toBe(200);
        expect(free.body?.job?.status).toBe('cancelled');
        for (let i = 0; i < 3; i++) {
          const [runner, jobId] = [randomUUID(), randomUUID()];
          await call('POST', '/jobs', {
            token: await token(runner),
            body: { jobId, tool, input: await input(tool, runner, jobId) },
          });
        }
        const id = randomUUID();
        const queued = await call('POST', '/jobs', {
          token: t,
          body: { jobId: id, tool, input: await input(tool, owner, id) },
        });
        expect(queued.body?.job).toMatchObject({ status: 'queued', position: 1 });
        const stranger = await call('POST', `/jobs/${id}/cancel`, {
          token: await token(randomUUID()),
          body: { confirm: true },
        });
        expect(stranger.status).toBe(404);
        expect((await row(id))?.status).toBe('queued');
        const unconfirmed = await call('POST', `/jobs/${id}/cancel`, { token: t });
        expect(unconfirmed.status).toBe(409);
        expect(unconfirmed.body?.error?.code).toBe('CONFIRM_REQUIRED');
        expect((await row(id))?.status).toBe('queued');
        const confirmed = await call('POST', `/jobs/${id}/cancel`, {
          token: t,
          body: { confirm: true },
        });
        expect(confirmed.body?.job?.status).toBe('cancelled');
      });
    });
  },
);
