// The web app of `npm start`, driven in real Chromium over HTTP: its bundle, bad input,
// chaos, and two users at once (the tool pages are in appTools.e2e.test.ts). Needs
// Chromium (describeWith); the setup is in webAppHarness.ts.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeWith } from '@jobgate/testkit';
import { expect, it } from 'vitest';
import { DEMO_TIMEOUTS } from '../server/demoSettings.js';
import { pdfBytes, pngImage } from './fixtures.js';
import { app, block, jobsOf, open, pick, status, useWebApp, waitStatus } from './webAppHarness.js';

describeWith('chromium', 'the web app in Chromium', () => {
  useWebApp();

  it('the browser bundle carries no zod, no server code and no Node built-ins', async () => {
    const assets = join(app.clientDir, 'assets');
    const js = (await readdir(assets)).filter((f) => f.endsWith('.js'));
    expect(js.length).toBeGreaterThan(0);
    for (const file of js) {
      const code = await readFile(join(assets, file), 'utf8');
      // zod's error class and the server's route table and SQL would show up by these.
      for (const marker of [
        'ZodError',
        'invalid request:',
        'needs service credentials',
        'jobgate_',
        '"node:',
      ]) {
        expect({ file, marker, found: code.includes(marker) }).toMatchObject({ found: false });
      }
    }
  });

  it('bad input: an oversized file, a PDF as an image, empty fields and 10 quick clicks end with a clear message and nothing waiting', async () => {
    const user = 'erin';
    const page = await open(user, 'veste-ai');
    const before = (await jobsOf(user)).length;
    // Empty fields: Run says what is missing, nothing is sent.
    await page.getByTestId('run').click();
    expect(await page.getByTestId('notice').textContent()).toBe('Choose the person image first.');
    // A PDF picked as the person image.
    await page
      .getByTestId('file-person')
      .setInputFiles({ name: 'cv.pdf', mimeType: 'application/pdf', buffer: pdfBytes });
    expect(await page.getByTestId('notice').textContent()).toMatch(
      /application\/pdf is not accepted here: choose a PNG, JPEG or WebP image/,
    );
    await page.getByTestId('run').click();
    expect(await status(page)).toBe('ready');
    // A 9 MB image: over the 8 MB limit.
    await page.getByTestId('file-person').setInputFiles({
      name: 'huge.png',
      mimeType: 'image/png',
      buffer: Buffer.concat([pngImage(8, [1, 2, 3]), Buffer.alloc(9 * 1024 * 1024)]),
    });
    expect(await page.getByTestId('notice').textContent()).toMatch(/at most 8\.0 MB for an image/);
    await page.getByTestId('run').click();
    expect(await status(page)).toBe('ready');
    expect((await jobsOf(user)).length).toBe(before);
    // A file over the limit that slips past the page (a script, an old client): the
    // uploader refuses it with a typed error, and no job exists.
    const answer = await page.evaluate(async () => {
      const response = await fetch(`/files/veste-ai/erin/${crypto.randomUUID()}/person.png`, {
        method: 'PUT',
        headers: { authorization: 'Bearer dev-erin' },
        body: new Uint8Array(9 * 1024 * 1024),
      });
      return { status: response.status, body: await response.json() };
    });
    expect(answer).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    // Ten quick clicks with good files: one job, a message for the extra clicks.
    await pick(page, 'veste-ai', 4);
    const run = page.getByTestId('run');
    await Promise.all(Array.from({ length: 10 }, () => run.click({ delay: 0, force: true })));
    await waitStatus(page, 'completed');
    expect(await page.getByTestId('notice').textContent()).toMatch(/One job at a time/);
    const jobs = await jobsOf(user);
    expect(jobs.length - before).toBe(1);
    expect(await app.store.findActive(user)).toBeNull();
    const waiting = await app.store.list({ status: ['starting', 'queued'] });
    expect(waiting).toEqual([]);
  }, 60_000);

  it('chaos: a killed start is healed (START_LOST, shown in the panel), a busy provider queues the job until it has room', async () => {
    const user = 'dave';
    const page = await open(user, 'upscaler');
    // The queue panel and the chaos controls are the operator's: dave has neither.
    expect(await page.getByTestId('queue-panel').count()).toBe(0);
    expect(await page.getByTestId('chaos-panel').count()).toBe(0);
    const olga = await open('olga', 'upscaler');
    const panel = olga.getByTestId('queue-panel');
    await olga.getByTestId('chaos-kill').click();
    await expect.poll(() => app.chaos.settings).toBeTruthy();
    await pick(page, 'upscaler', 1);
    await page.getByTestId('run').click();
    // The request died with the "process": the page says so (or, when the browser sent the
    // same request again on a fresh connection, follows the job until heal ends it, after
    // npm start's lostStartMs).
    await waitStatus(page, 'failed', DEMO_TIMEOUTS.lostStartMs + 5_000);
    expect(await page.getByTestId('error-code').textContent()).toMatch(
      /^(NETWORK_ERROR|START_LOST)$/,
    );
    await expect
      .poll(() => panel.locator('.recent li.heal').first().textContent(), {
        timeout: DEMO_TIMEOUTS.lostStartMs + 5_000,
      })
      .toMatch(/upscaler · dave · failed START_LOST \(healed\)/);
    const healed = (await jobsOf(user))[0]!;
    expect([healed.status, healed.errorCode]).toEqual(['failed', 'START_LOST']);
    expect(app.chaos.killed.has(healed.id)).toBe(true);
    // The provider answers busy to every start: the job waits in the queue, honestly.
    await olga.getByTestId('chaos-busy').fill('1');
    await expect.poll(() => app.chaos.settings.busy).toBe(1);
    await page.getByTestId('reset').click();
    await page.getByTestId('run').click();
    await waitStatus(page, 'queued, position 1');
    await expect.poll(() => panel.getByTestId('queued').textContent()).toBe('1');
    await olga.getByTestId('chaos-busy').fill('0');
    await waitStatus(page, 'completed', 30_000);
    // The provider's own submit rate limit (HTTP 429 on the next three starts): the job goes
    // back to the queue head, is retried with backoff, and runs.
    const limited = () => app.chaos.simulator.requests.filter((r) => r.httpStatus === 429).length;
    await olga.getByTestId('chaos-429').click();
    await page.getByTestId('reset').click();
    await page.getByTestId('run').click();
    await waitStatus(page, 'completed', 30_000);
    expect(limited()).toBe(3);
    const retried = (await jobsOf(user))[0]!;
    expect(retried.status).toBe('completed');
    expect(retried.attempts).toBeGreaterThanOrEqual(1);
    expect(await app.store.findActive(user)).toBeNull();
  }, 120_000);

  it('two windows as two users: both jobs count against the one cap, the panel shows both, the queue too', async () => {
    app.timing.videoRunMs = 6_000;
    // Two users, one of them the operator, who sees the pool in the queue panel.
    const alice = await open('alice', 'video-upscaler');
    const olga = await open('olga', 'video-upscaler');
    await block('carol');
    await pick(alice, 'video-upscaler', 1);
    await pick(olga, 'video-upscaler', 2);
    await alice.getByTestId('run').click();
    await waitStatus(alice, /^running/);
    await olga.getByTestId('run').click();
    await waitStatus(olga, /^running/);
    // The operator's panel sees the whole pool: three running, the cap reached.
    await expect.poll(() => olga.getByTestId('slots').textContent()).toBe('3/3');
    // The queue panel polls on its own timer: it may show the pool a moment after the slots.
    await expect
      .poll(() =>
        olga
          .getByTestId('queue-row')
          .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-user')).sort()),
      )
      .toEqual(['alice', 'carol', 'olga']);
    // alice is no operator: no panel in her window, and the server refuses her the controls.
    expect(await alice.getByTestId('queue-panel').count()).toBe(0);
    // A third user now waits, and the operator's window shows it in the queue.
    const erin = await open('erin', 'upscaler');
    await pick(erin, 'upscaler', 3);
    await erin.getByTestId('run').click();
    await waitStatus(erin, 'queued, position 1');
    await expect
      .poll(() => olga.locator('[data-testid=queue-row][data-status=queued]').textContent())
      .toMatch(/#1upscalererinqueued/);
    await waitStatus(alice, 'completed');
    await waitStatus(olga, 'completed');
    await waitStatus(erin, 'completed');
  }, 60_000);
});
