import { execFile } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describeWith } from '@jobgate/testkit';
import { expect, it } from 'vitest';
import { DATABASE_URL, freshSchema } from './pgHarness.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..', '..');

/**
 * A proxy that lets a connection's start-up through and cuts it at the first query the
 * client sends (a message of type Parse or Query): the moment postgres.js runs its array-type
 * lookup when it fetches types, or the caller's first query when it does not.
 */
async function cutAtFirstQuery(target: URL) {
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(upstream);
    let startup = true;
    client.on('error', () => undefined);
    upstream.on('error', () => client.destroy());
    client.on('data', (chunk: Buffer) => {
      const type = String.fromCharCode(chunk[0]!);
      if (!startup && (type === 'P' || type === 'Q')) {
        cuts++;
        client.destroy();
        upstream.destroy();
        return;
      }
      startup = false;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    cuts: () => cuts,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describeWith('postgres', 'a connection cut while the store connects', () => {
  it('is a typed STORE_UNAVAILABLE for the caller, never an unhandled rejection', async () => {
    const target = new URL(DATABASE_URL!);
    const proxy = await cutAtFirstQuery(target);
    try {
      const url = new URL(DATABASE_URL!);
      url.hostname = '127.0.0.1';
      url.port = String(proxy.port);
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          '--unhandled-rejections=strict',
          '--import',
          'tsx',
          '--conditions=@jobgate/source',
          join(here, 'fixtures', 'connectCutWorker.ts'),
          url.toString(),
          freshSchema('cut'),
        ],
        { cwd: repo, timeout: 60_000 },
      );
      expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ code: 'STORE_UNAVAILABLE' });
      expect(proxy.cuts()).toBeGreaterThan(0);
    } finally {
      proxy.close();
    }
  }, 90_000);
});
