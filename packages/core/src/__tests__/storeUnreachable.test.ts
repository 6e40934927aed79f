import { describe, expect, it } from 'vitest';
import type { JobGateError } from '../domain/errors.js';
import { MemoryStore } from '../memory/memoryStore.js';
import type { JobStore } from '../ports/jobStore.js';
import { input, handRunner as setup, uuid } from './handRunner.js';

describe('the store unreachable (#5)', () => {
  /** The store with some methods that never answer (the database is gone). */
  const hanging = (store: MemoryStore, methods: Array<keyof JobStore>) => {
    const down = new Set<string>(methods);
    return new Proxy(store, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        if (down.has(String(prop))) return () => new Promise(() => undefined);
        return value.bind(target);
      },
    }) as MemoryStore & { down: Set<string> };
  };

  it('a store call past its deadline fails the request with STORE_UNAVAILABLE in time', async () => {
    const store = new MemoryStore();
    const { runner } = setup({
      store: hanging(store, ['create']),
      timeouts: { storeCallMs: 50 },
    });
    const started = Date.now();
    const error = await runner
      .submit({ jobId: uuid(1), tool: 'img', userId: 'u', input })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', status: 503, retryable: true });
    expect((error as JobGateError).retryAfterMs).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a task the provider accepted while the database was down is recorded when it is back', async () => {
    const store = new MemoryStore();
    const down = new Set<string>();
    const flaky = new Proxy(store, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        if (down.has(String(prop))) return () => new Promise(() => undefined);
        return value.bind(target);
      },
    });
    const { runner, clock, provider } = setup({ store: flaky, timeouts: { storeCallMs: 20 } });
    let accept!: (taskId: string) => void;
    provider.starts.push(new Promise<string>((r) => (accept = r)));
    const pending = runner
      .submit({ jobId: uuid(1), tool: 'img', userId: 'u', input })
      .catch((e: unknown) => e);
    await clock.advance(0);
    down.add('attachTask');
    down.add('renewLeases');
    accept('accepted-task');
    expect(await pending).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect((await store.get(uuid(1)))?.taskId).toBeNull();
    down.clear();
    await clock.advance(1_000);
    await new Promise((r) => setTimeout(r, 30));
    expect(await store.get(uuid(1))).toMatchObject({
      status: 'running',
      taskId: 'accepted-task',
    });
    expect(provider.cancelled).toEqual([]);
  });
});
