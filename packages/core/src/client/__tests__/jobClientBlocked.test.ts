import { describe, expect, it } from 'vitest';
import type { JobGateError } from '../../domain/errors.js';
import { input, setup, until } from './clientSetup.js';
import { uuid } from './fakeServer.js';

describe('JobClient blocked by an active job', () => {
  it('surfaces the active job; a real queued job is cancelled only with confirm', async () => {
    const { server, client, status } = setup({ cap: 1 });
    await server.submitAs('other', uuid(1));
    await server.submitAs('u1', uuid(2)); // really queued, position 1
    await expect(client.run('veste-ai', input)).rejects.toMatchObject({
      code: 'ACTIVE_JOB_EXISTS',
    });
    expect(client.getSnapshot()).toMatchObject({
      status: 'blocked',
      jobId: uuid(2),
      position: 1,
      needsConfirm: true,
      isBusy: false,
    });
    expect(server.count('POST', '/jobs')).toBe(0);
    await expect(client.cancel()).rejects.toMatchObject({ code: 'CONFIRM_REQUIRED' });
    expect(server.count('POST', `/jobs/${uuid(2)}/cancel`)).toBe(0);
    expect(client.getSnapshot()).toMatchObject({ status: 'blocked' });
    expect(client.getSnapshot().error?.code).toBe('CONFIRM_REQUIRED');
    await expect(client.cancel(true)).resolves.toMatchObject({ status: 'cancelled' });
    expect(status()).toBe('idle');
    expect(client.isWatching).toBe(false);
    const retry = client.run('veste-ai', input);
    await until(() => status() === 'queued');
    expect(client.getSnapshot().position).toBe(1);
    client.reset();
    await expect(retry).rejects.toMatchObject({ code: 'CANCELLED_BY_USER' });
  });

  it('another tab starts a job between the check and the submit: blocked by it, only our id is cancelled', async () => {
    const { server, client } = setup();
    server.fault('GET', '/jobs/active', async (request) => {
      const answer = await server.handle(request);
      await server.submitAs('u1', uuid(7)); // the other tab
      return answer;
    });
    const error = await client.run('veste-ai', input).catch((e: JobGateError) => e);
    expect(error).toMatchObject({ code: 'ACTIVE_JOB_EXISTS', jobId: uuid(7) });
    expect(client.getSnapshot()).toMatchObject({ status: 'blocked', jobId: uuid(7) });
    await until(() => server.count('POST', `/jobs/${uuid(101)}/cancel`) === 1, 'failsafe');
    expect(server.count('POST', `/jobs/${uuid(7)}/cancel`)).toBe(0);
    expect((await server.runner.get(uuid(7), 'u1')).status).toBe('running');
  });

  it('a phantom (unreal) starting job is cancelled without confirm', async () => {
    const { server, client } = setup();
    const now = server.clock.now();
    await server.store.create(
      {
        id: uuid(9),
        tool: 'veste-ai',
        userId: 'u1',
        pool: 'default',
        input: {},
        userCreditCost: 0,
      },
      { maxActivePerUser: 1, now },
    );
    await client.checkActive();
    expect(client.getSnapshot()).toMatchObject({ status: 'blocked', needsConfirm: false });
    await expect(client.cancel()).resolves.toMatchObject({ status: 'cancelled' });
    expect(client.getSnapshot().status).toBe('idle');
  });

  it('the block lifts by itself when the blocking job ends', async () => {
    const { server, client, status } = setup();
    await server.submitAs('u1', uuid(3));
    await client.checkActive();
    expect(status()).toBe('blocked');
    await server.clock.advance(1_000);
    await until(() => status() === 'idle', 'idle');
    expect(client.isWatching).toBe(false);
  });
});
