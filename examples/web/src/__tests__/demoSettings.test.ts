// The demo does what its README says, under the settings `npm start` uses (DEMO_TIMEOUTS, no
// override): each chaos control ends a job with the code the README gives it, the controls
// answer the operator only (the server refuses anyone else, not only the page), and
// `npm start -- --cap 1` starts an app whose pool has one slot. No browser: the app's HTTP
// routes and its runner, on the memory store.
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Job } from '@jobgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CAP, DEMO_TIMEOUTS, MAX_SLOW_START_MS } from '../server/demoSettings.js';
import { devToken } from '../server/devAuthenticator.js';
import { type App, startApp } from '../server/startApp.js';
import { pngImage } from './fixtures.js';

const repoDir = fileURLToPath(new URL('../../../..', import.meta.url));
const tmpDir = join(repoDir, '.tmp', `web-demo-${process.pid}`);
const buildDir = join(repoDir, '.tmp', 'web', 'build');
/** The README, its lines joined (a claim may wrap). */
const readme = async () =>
  (await readFile(join(repoDir, 'examples/web/README.md'), 'utf8')).replace(/\s+/g, ' ');

let app: App;
const chaos = (user: string, body?: object) =>
  fetch(`${app.url}/chaos`, {
    method: body ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${devToken(user)}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

/** An upscale of `userId`, submitted on the server as the page would. */
async function upscale(userId: string): Promise<Job> {
  const jobId = crypto.randomUUID();
  const path = `upscaler/${userId}/${jobId}/image.png`;
  await mkdir(dirname(join(app.filesDir, path)), { recursive: true });
  await writeFile(join(app.filesDir, path), pngImage(8, [9, 90, 200]));
  return app.runner.submit({ jobId, userId, tool: 'upscaler', input: { image: path } });
}

/** The job once it has ended (polled: heal and the watchdog run on their own timers). */
async function ended(jobId: string, timeout: number): Promise<Job> {
  let job: Job | null = null;
  await expect
    .poll(
      async () => {
        job = await app.store.get(jobId);
        return ['completed', 'failed', 'cancelled'].includes(job?.status ?? '');
      },
      { timeout, interval: 250 },
    )
    .toBe(true);
  return job!;
}

describe('the demo under the settings of npm start', () => {
  beforeAll(async () => {
    app = await startApp({ tmpDir, buildDir, store: 'memory', imageRunMs: [300, 500] });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await rm(tmpDir, { recursive: true, force: true });
  });

  it('the README states the timeouts npm start runs', async () => {
    const text = await readme();
    expect(text).toContain(`\`START_LOST\` after ${DEMO_TIMEOUTS.lostStartMs / 1000} s`);
    expect(text).toContain(`\`providerStartMs\`, is ${DEMO_TIMEOUTS.providerStartMs / 1000} s`);
    expect(text).toContain(`slots x/${DEMO_CAP}`);
    expect(text).toContain(`the job ends \`failed\` with \`PROVIDER_ERROR\``);
    expect(text).toContain(`up to ${MAX_SLOW_START_MS / 1000} s`);
  });

  it('the chaos controls answer the operator only: reading and changing them', async () => {
    for (const user of ['alice', 'bob']) {
      for (const body of [undefined, { action: 'kill-start' }, { settings: { busy: 1 } }]) {
        const answer = await chaos(user, body);
        expect([
          answer.status,
          ((await answer.json()) as { error: { code: string } }).error.code,
        ]).toEqual([403, 'FORBIDDEN']);
      }
    }
    expect(app.chaos.settings.busy).toBe(0);
    const nobody = await fetch(`${app.url}/chaos`);
    expect(nobody.status).toBe(401);
    const olga = await chaos('olga');
    expect([olga.status, await olga.json()]).toEqual([200, { settings: app.chaos.settings }]);
  });

  it('"kill the next start" ends the job START_LOST, after lostStartMs', async () => {
    await chaos('olga', { action: 'kill-start' });
    const submitted = upscale('alice');
    submitted.catch(() => {});
    await expect.poll(() => app.chaos.killed.size).toBe(1);
    const [jobId] = [...app.chaos.killed];
    const job = await ended(jobId!, DEMO_TIMEOUTS.lostStartMs + 5_000);
    expect([job.status, job.errorCode]).toEqual(['failed', 'START_LOST']);
    const took = Date.parse(job.completedAt ?? job.updatedAt) - Date.parse(job.startedAt!);
    expect(took).toBeGreaterThanOrEqual(DEMO_TIMEOUTS.lostStartMs);
  }, 30_000);

  it('a slow start (the longest the control offers) completes', async () => {
    await chaos('olga', { settings: { slowStartMs: MAX_SLOW_START_MS } });
    try {
      const job = await ended((await upscale('bob')).id, MAX_SLOW_START_MS + 10_000);
      expect([job.status, job.errorCode]).toEqual(['completed', null]);
    } finally {
      await chaos('olga', { settings: { slowStartMs: 0 } });
    }
  }, 30_000);

  it('a busy provider (421) queues the job until it has room, then it completes', async () => {
    await chaos('olga', { settings: { busy: 1 } });
    const job = await upscale('carol');
    await expect.poll(async () => (await app.store.get(job.id))?.status).toBe('queued');
    await chaos('olga', { settings: { busy: 0 } });
    const done = await ended(job.id, 30_000);
    expect(done.status).toBe('completed');
  }, 40_000);

  it('a failed task ends the job failed with the provider code', async () => {
    await chaos('olga', { settings: { fail: 1 } });
    try {
      const job = await ended((await upscale('dave')).id, 15_000);
      expect([job.status, job.errorCode]).toEqual(['failed', 'PROVIDER_ERROR']);
    } finally {
      await chaos('olga', { settings: { fail: 0 } });
    }
  }, 30_000);

  it('a lost webhook: the watchdog polls, and the job completes', async () => {
    await chaos('olga', { settings: { lostWebhook: 1 } });
    try {
      const job = await ended((await upscale('erin')).id, 30_000);
      expect(job.status).toBe('completed');
    } finally {
      await chaos('olga', { settings: { lostWebhook: 0 } });
    }
  }, 40_000);

  it('429 on the next 3 starts: the job goes back to the queue head, is retried, completes', async () => {
    const limited = () => app.chaos.simulator.requests.filter((r) => r.httpStatus === 429).length;
    const before = limited();
    await chaos('olga', { action: 'rate-limit' });
    const job = await ended((await upscale('alice')).id, 45_000);
    expect(limited() - before).toBe(3);
    expect([job.status, job.attempts >= 1]).toEqual(['completed', true]);
  }, 60_000);
});

describe('npm start -- --cap', () => {
  it('--cap 1: the pool has one slot, so a second window queues', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=@jobgate/source',
        'examples/web/src/server/main.ts',
        '--cap',
        '1',
        '--store',
        'memory',
        '--port',
        '0',
      ],
      { cwd: repoDir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      await expect.poll(() => out, { timeout: 60_000, interval: 200 }).toMatch(/ready in .* cap 1/);
      const url = /open (http:\S+)/.exec(out)![1];
      const slots = await fetch(`${url}/api/slots`, {
        headers: { authorization: `Bearer ${devToken('olga')}` },
      });
      expect(await slots.json()).toMatchObject({ cap: 1, running: 0 });
      // Two users, as two windows would: upload, then run. The second one waits.
      const run = async (user: string) => {
        const jobId = crypto.randomUUID();
        const path = `upscaler/${user}/${jobId}/image.png`;
        const auth = { authorization: `Bearer ${devToken(user)}` };
        const put = await fetch(`${url}/files/${path}`, {
          method: 'PUT',
          headers: auth,
          body: new Uint8Array(pngImage(8, [200, 9, 9])),
        });
        expect(put.status).toBe(201);
        const answer = await fetch(`${url}/api/jobs`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ jobId, tool: 'upscaler', input: { image: path } }),
        });
        return ((await answer.json()) as { job: Job }).job;
      };
      expect((await run('alice')).status).toBe('running');
      expect(await run('bob')).toMatchObject({ status: 'queued', position: 1 });
    } finally {
      child.kill('SIGTERM');
    }
  }, 90_000);

  it('--cap 0 is refused', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'examples/web/src/server/main.ts', '--cap', '0'],
      { cwd: repoDir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect([code, err.trim()]).toEqual([2, '--cap must be a whole number ≥ 1']);
  }, 30_000);
});
