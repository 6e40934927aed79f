// The web app of `npm start`, driven in real Chromium over HTTP: the four tool pages on the
// @jobgate/server handler, PGlite, the local uploader and the simulated RunningHub. Each
// test saves a screenshot under .tmp/e2e-screenshots/. Needs Chromium (describeWith).
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Job } from '@jobgate/core';
import { CHROMIUM_LAUNCH, describeWith } from '@jobgate/testkit';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { DEMO_USERS } from '../server/devAuthenticator.js';
import { type App, startApp } from '../server/startApp.js';
import { mp4Bytes, pdfBytes, pngImage } from './fixtures.js';

const repoDir = fileURLToPath(new URL('../../../..', import.meta.url));
const shots = join(repoDir, '.tmp', 'e2e-screenshots');
const tmpDir = join(repoDir, '.tmp', `web-e2e-${process.pid}`);

type ToolId = 'upscaler' | 'pose-changer' | 'veste-ai' | 'video-upscaler';
const FIELDS: Record<ToolId, string[]> = {
  upscaler: ['image'],
  'pose-changer': ['person', 'reference'],
  'veste-ai': ['person', 'clothing'],
  'video-upscaler': ['video'],
};
const uuid = () => crypto.randomUUID();

describeWith('chromium', 'the web app in Chromium', () => {
  let app: App;
  let browser: Browser;
  let video: Buffer = mp4Bytes();
  const pages: Page[] = [];
  const blockers: Array<{ jobId: string; userId: string }> = [];

  beforeAll(async () => {
    await mkdir(shots, { recursive: true });
    [app, browser] = await Promise.all([
      startApp({
        tmpDir,
        buildDir: join(repoDir, '.tmp', 'web', 'build'),
        store: 'pglite',
        pgliteDir: null,
        imageRunMs: [1_000, 1_500],
        videoRunMs: 4_000,
        rateLimits: { submit: { limit: 1_000, windowMs: 60_000 } },
        timeouts: { lostStartMs: 3_000 },
      }),
      chromium.launch(CHROMIUM_LAUNCH),
    ]);
    video = await recordWebm().catch(() => mp4Bytes());
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await rm(tmpDir, { recursive: true, force: true });
  });

  afterEach(async (context) => {
    app.timing.imageRunMs = [1_000, 1_500];
    app.timing.videoRunMs = 4_000;
    const name = context.task.name
      .replace(/[^a-z0-9]+/gi, '-')
      .toLowerCase()
      .slice(0, 80);
    await pages.at(-1)?.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    for (const page of pages.splice(0)) await page.context().close();
    await freeSlots();
  });

  /** A real, playable WebM recorded by Chromium from a canvas (an MP4 header if that fails). */
  async function recordWebm(): Promise<Buffer> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(app.url);
    const bytes = await page.evaluate(async () => {
      const canvas = document.createElement('canvas');
      canvas.width = 160;
      canvas.height = 120;
      const g = canvas.getContext('2d')!;
      const recorder = new MediaRecorder(canvas.captureStream(10), { mimeType: 'video/webm' });
      const parts: Blob[] = [];
      recorder.ondataavailable = (e) => parts.push(e.data);
      const done = new Promise((resolve) => {
        recorder.onstop = resolve;
      });
      recorder.start();
      for (let i = 0; i < 8; i++) {
        g.fillStyle = `hsl(${i * 40}, 70%, 50%)`;
        g.fillRect(0, 0, 160, 120);
        await new Promise((r) => setTimeout(r, 100));
      }
      recorder.stop();
      await done;
      return [...new Uint8Array(await new Blob(parts).arrayBuffer())];
    });
    await context.close();
    if (bytes.length < 100) throw new Error('no video recorded');
    return Buffer.from(bytes);
  }

  async function open(user: string, tool: ToolId, ready = true): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    pages.push(page);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${app.url}/?user=${user}#${tool}`);
    await page.getByTestId('run').waitFor();
    if (ready) await expect.poll(() => page.getByTestId('status').textContent()).toBe('ready');
    expect(errors).toEqual([]);
    return page;
  }

  const status = (page: Page) => page.getByTestId('status').textContent();
  const waitStatus = (page: Page, text: string | RegExp, timeout = 20_000) =>
    expect
      .poll(() => status(page), { timeout, interval: 100 })
      .toMatch(typeof text === 'string' ? new RegExp(`^${text}$`) : text);

  /** Picks valid files (or `bad` bytes as every file, typed like the field wants). */
  async function pick(page: Page, tool: ToolId, seed: number, bad?: Buffer) {
    for (const [i, field] of FIELDS[tool].entries()) {
      const isVideo = field === 'video';
      const mimeType = isVideo ? (video[0] === 0x1a ? 'video/webm' : 'video/mp4') : 'image/png';
      const buffer =
        bad ?? (isVideo ? video : pngImage(96, [60 * (seed + i + 1), 200, 255 - 40 * seed]));
      const name = `${field}.${mimeType.split('/')[1]}`;
      await page.getByTestId(`file-${field}`).setInputFiles({ name, mimeType, buffer });
    }
  }

  const jobsOf = (userId: string) => app.store.list({ userId });

  /**
   * A long job of `userId` holding a slot (or queued), started on the server as another tab
   * would: a video, or an upscale when the page under test is the video one.
   */
  async function block(userId: string, page: ToolId = 'upscaler'): Promise<Job> {
    const jobId = uuid();
    const tool = page === 'video-upscaler' ? 'upscaler' : 'video-upscaler';
    const field = tool === 'upscaler' ? 'image' : 'video';
    const path = `${tool}/${userId}/${jobId}/${field}.${field === 'image' ? 'png' : 'mp4'}`;
    await mkdir(dirname(join(app.filesDir, path)), { recursive: true });
    await writeFile(
      join(app.filesDir, path),
      field === 'image' ? pngImage(8, [9, 9, 9]) : mp4Bytes(),
    );
    blockers.push({ jobId, userId });
    // Blockers hold their slot until the test frees it.
    const timing = { ...app.timing };
    app.timing.imageRunMs = [600_000, 600_000];
    app.timing.videoRunMs = 600_000;
    try {
      return await app.runner.submit({ jobId, userId, tool, input: { [field]: path } });
    } finally {
      Object.assign(app.timing, timing);
    }
  }

  /** Ends the blockers, and whatever a failed test left active: no test starts on a full pool. */
  async function freeSlots() {
    for (const b of blockers.splice(0)) {
      await app.runner.cancel({ ...b, confirm: true }).catch(() => {});
    }
    for (const userId of DEMO_USERS) {
      const job = await app.store.findActive(userId);
      if (job) await app.runner.cancel({ jobId: job.id, userId, confirm: true }).catch(() => {});
    }
  }

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
        'maintenance needs',
        'jobgate_',
        '"node:',
      ]) {
        expect({ file, marker, found: code.includes(marker) }).toMatchObject({ found: false });
      }
    }
  });

  const TOOLS: ToolId[] = ['upscaler', 'pose-changer', 'veste-ai', 'video-upscaler'];

  for (const [n, tool] of TOOLS.entries()) {
    const user = DEMO_USERS[n]!;
    const others = DEMO_USERS.filter((u) => u !== user).slice(0, 3);

    it(`${tool}: invalid input fails with a code, a retry runs, a double click makes one job`, async () => {
      const page = await open(user, tool);
      // The bytes of a PDF, named and typed as the field wants: the uploader refuses them.
      await pick(page, tool, n, pdfBytes);
      await page.getByTestId('run').click();
      await waitStatus(page, 'failed');
      expect(await page.getByTestId('error-code').textContent()).toBe('VALIDATION');
      expect(await page.getByTestId('error-message').textContent()).toMatch(/must be/);
      if (tool === 'upscaler') {
        // Input the server's schema refuses: failed with its code in the page, and on the
        // server no row at all (a refusal never grows the table), so nothing waits.
        await pick(page, tool, n);
        await page.getByTestId('variant').selectOption('people-close');
        await page.locator('summary').click();
        await page.getByTestId('prompt').fill('x'.repeat(2001));
        await page.getByTestId('run').click();
        await waitStatus(page, 'failed');
        expect(await page.getByTestId('error-code').textContent()).toBe('VALIDATION');
        expect(await jobsOf(user)).toEqual([]);
        await page.getByTestId('prompt').fill('sharper, please');
        await page.getByTestId('version-pro').check();
      }
      const before = (await jobsOf(user)).length;
      await pick(page, tool, n + 1);
      await page.getByTestId('run').dblclick();
      await waitStatus(
        page,
        tool === 'video-upscaler' ? /^running( \d+%)?$/ : /^(starting|running)/,
      );
      if (tool === 'video-upscaler') {
        // A long run reports its progress.
        await waitStatus(page, /^running [1-9]\d?%$/);
      }
      await waitStatus(page, 'completed');
      const after = await jobsOf(user);
      expect(after.length - before).toBe(1);
      expect(after[0]!.status).toBe('completed');
      const price = tool === 'video-upscaler' ? 150 : tool === 'upscaler' ? 80 : 60;
      expect(await page.getByTestId('price').textContent()).toBe(`${price} credits`);
      if (tool === 'video-upscaler') {
        const player = page.getByTestId('output-video');
        const src = (await player.getAttribute('src')) ?? '';
        expect(src).toMatch(/\/outputs\//);
        // The simulator's output: the user's video re-encoded with a green frame (a recorded
        // WebM), or the upload as it is when it does not decode (the MP4 header fallback).
        const served = Buffer.from(await (await fetch(new URL(src, app.url))).arrayBuffer());
        expect(served.equals(video)).toBe(video[0] !== 0x1a);
        if (video[0] === 0x1a) {
          // Chromium plays the derived file.
          await expect
            .poll(() => player.evaluate((el) => (el as HTMLVideoElement).videoWidth))
            .toBeGreaterThan(0);
        }
      } else {
        // The simulator's output: the inputs with a visible mark, loaded as an image.
        const img = page.getByTestId('output-image');
        await expect
          .poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth))
          .toBeGreaterThan(0);
      }
      expect(await app.store.findActive(user)).toBeNull();
    }, 60_000);

    it(`${tool}: the fourth job waits at position 1, confirms a cancel, runs when a slot frees; SSE cut, polling keeps up`, async () => {
      const first = await block(others[0]!);
      for (const other of others.slice(1)) await block(other);
      expect(await app.runner.slots()).toMatchObject({ running: 3, queued: 0 });
      const page = await open(user, tool);
      // Cut the event stream: the page must follow the job by polling.
      let cut = 0;
      await page.route('**/api/jobs/*/events', (route) => {
        cut++;
        return route.abort();
      });
      await pick(page, tool, n + 2);
      await page.getByTestId('run').click();
      await waitStatus(page, 'queued, position 1');
      // Cancelling a job that really waits asks first; "keep it" keeps its place.
      await page.getByTestId('cancel').click();
      await page.getByTestId('confirm').waitFor();
      await page.getByTestId('keep').click();
      expect(await status(page)).toBe('queued, position 1');
      // A slot frees: the queue head runs, and the page sees it without its event stream.
      await app.runner.cancel({ jobId: first!.id, userId: first!.userId, confirm: true });
      await waitStatus(page, /^running|completed/);
      await waitStatus(page, 'completed', 30_000);
      expect(cut).toBeGreaterThan(0);
      expect(await app.store.findActive(user)).toBeNull();
    }, 60_000);

    it(`${tool}: the active-job block follows the other job or cancels it; a reload re-attaches`, async () => {
      await block(user, tool);
      const page = await open(user, tool, false);
      // The page found the user's other job at load.
      await page.getByTestId('block').waitFor();
      await page.getByTestId('block-cancel').click();
      await page.getByTestId('block-confirm').click();
      await page.getByTestId('block').waitFor({ state: 'detached' });
      expect(await app.store.findActive(user)).toBeNull();
      // Another job elsewhere: Run is blocked, "follow it" shows that job.
      const other = await block(user, tool);
      await pick(page, tool, n + 3);
      await page.getByTestId('run').click();
      await page.getByTestId('block').waitFor();
      await page.getByTestId('block-follow').click();
      await waitStatus(page, /^running/);
      expect(await page.getByTestId('job-id').textContent()).toBe(other.id);
      await app.runner.cancel({ jobId: other.id, userId: user, confirm: true });
      await waitStatus(page, 'failed');
      expect(await page.getByTestId('error-code').textContent()).toBe('CANCELLED_BY_USER');
      // A reload mid-job: the page attaches to the running job again.
      app.timing.videoRunMs = 3_000;
      app.timing.imageRunMs = [3_000, 3_000];
      await page.getByTestId('reset').click();
      await page.getByTestId('run').click();
      await waitStatus(page, /^running/);
      const jobId = await page.getByTestId('job-id').textContent();
      await page.reload();
      await waitStatus(page, /^running/);
      expect(await page.getByTestId('job-id').textContent()).toBe(jobId);
      await waitStatus(page, 'completed');
    }, 60_000);
  }

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
    const panel = page.getByTestId('queue-panel');
    await page.getByTestId('chaos-kill').click();
    await expect.poll(() => app.chaos.settings).toBeTruthy();
    await pick(page, 'upscaler', 1);
    await page.getByTestId('run').click();
    // The request died with the "process": the page says so (or, when the browser sent the
    // same request again on a fresh connection, follows the job until heal ends it).
    await waitStatus(page, 'failed', 15_000);
    expect(await page.getByTestId('error-code').textContent()).toMatch(
      /^(NETWORK_ERROR|START_LOST)$/,
    );
    await expect
      .poll(() => panel.locator('.recent li.heal').first().textContent(), { timeout: 15_000 })
      .toMatch(/upscaler · dave · failed START_LOST \(healed\)/);
    const healed = (await jobsOf(user))[0]!;
    expect([healed.status, healed.errorCode]).toEqual(['failed', 'START_LOST']);
    expect(app.chaos.killed.has(healed.id)).toBe(true);
    // The provider answers busy to every start: the job waits in the queue, honestly.
    await page.getByTestId('chaos-busy').fill('1');
    await expect.poll(() => app.chaos.settings.busy).toBe(1);
    await page.getByTestId('reset').click();
    await page.getByTestId('run').click();
    await waitStatus(page, 'queued, position 1');
    await expect.poll(() => panel.getByTestId('queued').textContent()).toBe('1');
    await page.getByTestId('chaos-busy').fill('0');
    await waitStatus(page, 'completed', 30_000);
    // The provider's own submit rate limit (HTTP 429 on the next three starts): the job goes
    // back to the queue head, is retried with backoff, and runs.
    const limited = () => app.chaos.simulator.requests.filter((r) => r.httpStatus === 429).length;
    await page.getByTestId('chaos-429').click();
    await page.getByTestId('reset').click();
    await page.getByTestId('run').click();
    await waitStatus(page, 'completed', 30_000);
    expect(limited()).toBe(3);
    const retried = (await jobsOf(user))[0]!;
    expect(retried.status).toBe('completed');
    expect(retried.attempts).toBeGreaterThanOrEqual(1);
    expect(await app.store.findActive(user)).toBeNull();
  }, 60_000);

  it('two windows as two users: both jobs count against the one cap, the panel shows both, the queue too', async () => {
    app.timing.videoRunMs = 6_000;
    const alice = await open('alice', 'video-upscaler');
    const bob = await open('bob', 'video-upscaler');
    await block('carol');
    await pick(alice, 'video-upscaler', 1);
    await pick(bob, 'video-upscaler', 2);
    await alice.getByTestId('run').click();
    await waitStatus(alice, /^running/);
    await bob.getByTestId('run').click();
    await waitStatus(bob, /^running/);
    // Each window's panel sees the whole pool: three running, the cap reached.
    for (const page of [alice, bob]) {
      await expect.poll(() => page.getByTestId('slots').textContent()).toBe('3/3');
      // The queue panel polls on its own timer: it may show the pool a moment after the slots.
      await expect
        .poll(() =>
          page
            .getByTestId('queue-row')
            .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-user')).sort()),
        )
        .toEqual(['alice', 'bob', 'carol']);
    }
    // A third user now waits, and alice's window shows it in the queue.
    const erin = await open('erin', 'upscaler');
    await pick(erin, 'upscaler', 3);
    await erin.getByTestId('run').click();
    await waitStatus(erin, 'queued, position 1');
    await expect
      .poll(() => alice.locator('[data-testid=queue-row][data-status=queued]').textContent())
      .toMatch(/#1upscalererinqueued/);
    await waitStatus(alice, 'completed');
    await waitStatus(erin, 'completed');
  }, 60_000);
});
