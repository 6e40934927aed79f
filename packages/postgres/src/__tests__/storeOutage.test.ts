import { connect, createServer, type Server, type Socket } from 'node:net';
import { JobRunner, type Provider } from '@jobgate/core';
import { webhookToken } from '@jobgate/core/adapter';
import { describeWith } from '@jobgate/testkit';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { postgresJsClient } from '../postgresJsClient.js';
import { PostgresStore } from '../postgresStore.js';
import {
  FIXTURE_SECRET,
  fixtureBilling,
  fixtureProvider,
  fixtureTables,
  fixtureTool,
} from './fixtures/neverStuckFixture.js';
import { DATABASE_URL, freshSchema } from './pgHarness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A TCP proxy in front of PostgreSQL that the test can cut: `blackhole` keeps the sockets open
 * and forwards nothing (a network partition: queries hang), `reset` drops every connection and
 * refuses new ones (a database restart).
 */
class CuttableProxy {
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  readonly #held = new Set<Socket>();
  #mode: 'open' | 'blackhole' | 'reset' = 'open';
  port = 0;

  constructor(target: { host: string; port: number }) {
    this.#server = createServer((client) => {
      client.on('error', () => undefined);
      if (this.#mode === 'reset') return void client.destroy();
      if (this.#mode === 'blackhole') return void this.#held.add(client);
      const upstream = connect(target.port, target.host);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      const pair: [Socket, Socket] = [client, upstream];
      this.#pairs.add(pair);
      const forward = (from: Socket, to: Socket) =>
        from.on('data', (chunk) => {
          if (this.#mode === 'open') to.write(chunk);
        });
      forward(client, upstream);
      forward(upstream, client);
      const drop = () => {
        this.#pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', drop);
      upstream.on('close', drop);
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as { port: number }).port;
  }

  cut(mode: 'blackhole' | 'reset'): void {
    this.#mode = mode;
    if (mode === 'reset') this.#dropAll();
  }

  /** Back to normal; connections that lived through a partition are dropped (they lost bytes). */
  restore(): void {
    this.#mode = 'open';
    for (const s of this.#held) s.destroy();
    this.#held.clear();
    this.#dropAll();
  }

  #dropAll(): void {
    for (const [a, b] of this.#pairs) {
      a.destroy();
      b.destroy();
    }
  }

  async close(): Promise<void> {
    this.restore();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

describeWith('postgres', 'the database unreachable: a TCP proxy cut under a live runner', () => {
  const url = new URL(DATABASE_URL ?? 'postgres://unused@127.0.0.1:5432/x');
  const schema = freshSchema('out');
  const direct = postgres(DATABASE_URL ?? 'postgres://unused', {
    max: 2,
    prepare: false,
    onnotice: () => undefined,
  });
  const directClient = postgresJsClient(direct);
  const directStore = new PostgresStore(directClient, { schema, closeClient: false });
  const proxy = new CuttableProxy({ host: url.hostname, port: Number(url.port || 5432) });
  let viaProxy: postgres.Sql;
  let store: PostgresStore;

  const runnerWith = (provider: Provider) =>
    new JobRunner({
      store,
      provider,
      tools: [fixtureTool],
      billing: fixtureBilling(directClient, schema),
      webhook: { baseUrl: 'https://api.example.test', secret: FIXTURE_SECRET },
      timeouts: { storeCallMs: 1_000, staleStartMs: 2_000, startLeaseMs: 2_000 },
      healOnRequest: false,
    });
  const submit = (runner: JobRunner, userId: string) =>
    runner.submit({ jobId: crypto.randomUUID(), tool: fixtureTool.id, userId, input: {} });
  const timed = async <T>(p: Promise<T>) => {
    const started = performance.now();
    const result = await p.then(
      (value) => ({ value, error: undefined as unknown }),
      (error: unknown) => ({ value: undefined, error }),
    );
    return { ...result, ms: performance.now() - started };
  };

  beforeAll(async () => {
    await migrate(directClient, { schema });
    await directClient.exec(fixtureTables(schema));
    await proxy.listen();
    const proxied = new URL(DATABASE_URL!);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    viaProxy = postgres(proxied.toString(), {
      max: 4,
      prepare: false,
      connect_timeout: 2,
      // No type query on connect: a connection the proxy cuts mid-query then rejects nowhere.
      fetch_types: false,
      onnotice: () => undefined,
    });
    store = new PostgresStore(postgresJsClient(viaProxy), { schema, closeClient: false });
  });

  afterAll(async () => {
    await viaProxy?.end({ timeout: 1 }).catch(() => undefined);
    await proxy.close();
    await direct.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await direct.end({ timeout: 5 });
  });

  it('submit, finish and webhook answer STORE_UNAVAILABLE in time, and nothing is left stuck once it is back', async () => {
    const runner = runnerWith(fixtureProvider(directClient, schema));
    const running = await submit(runner, 'before');
    expect(running).toMatchObject({ status: 'running', taskId: expect.any(String) });
    for (const mode of ['blackhole', 'reset'] as const) {
      proxy.cut(mode);
      const refused = await timed(submit(runner, `during-${mode}`));
      expect(refused.error, mode).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
      expect(refused.ms, mode).toBeLessThan(3_000);
      const finish = await timed(
        runner.applyUpdate(running.id, { taskId: running.taskId!, state: 'completed' }),
      );
      expect(finish.error, mode).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(finish.ms, mode).toBeLessThan(3_000);
      const hook = await timed(
        runner.handleWebhook(
          await webhookToken(FIXTURE_SECRET, running.id),
          new Request('https://api.example.test/hook', {
            method: 'POST',
            body: JSON.stringify({ taskId: running.taskId, state: 'completed' }),
          }),
        ),
      );
      expect(hook.error, mode).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(hook.ms, mode).toBeLessThan(3_000);
      proxy.restore();
      // The job that ran through the outage is still running and followed; the refused
      // submit left no row or one that heal ends.
      expect((await directStore.get(running.id))?.status).toBe('running');
    }
    // Back: the watchdog finds the finished task, heal ends whatever the outage left.
    await sleep(2_100);
    await runner.heal();
    expect(await directStore.get(running.id)).toMatchObject({ status: 'completed' });
    const rows = await directStore.list({});
    expect(rows.filter((j) => !['completed', 'failed', 'cancelled'].includes(j.status))).toEqual(
      [],
    );
    runner.close();
  }, 60_000);

  it.each(['blackhole', 'reset'] as const)(
    'a task the provider accepted just before the outage (%s) is recorded when the database is back',
    async (mode) => {
      const base = fixtureProvider(directClient, schema);
      const provider: Provider = {
        ...base,
        id: base.id,
        start: async (context) => {
          const answer = await base.start(context);
          proxy.cut(mode); // the provider accepted; now the database is gone
          return answer;
        },
      };
      const runner = runnerWith(provider);
      const jobId = crypto.randomUUID();
      const refused = await timed(
        runner.submit({ jobId, tool: fixtureTool.id, userId: `accepted-${mode}`, input: {} }),
      );
      expect(refused.error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect((await directStore.get(jobId))?.taskId).toBeNull();
      await sleep(1_500);
      proxy.restore();
      let job = await directStore.get(jobId);
      for (let i = 0; i < 40 && job?.taskId === null; i++) {
        await sleep(250);
        job = await directStore.get(jobId);
      }
      expect(job).toMatchObject({ status: 'running', taskId: `t-${jobId}` });
      const cancels = await directClient.query(
        `SELECT 1 FROM "${schema}".fixture_provider WHERE job_id = $1 AND kind = 'cancel'`,
        [jobId],
      );
      expect(cancels).toEqual([]);
      runner.close();
    },
    60_000,
  );
});
