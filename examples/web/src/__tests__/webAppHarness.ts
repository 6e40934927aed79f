// The shared setup of the web app's browser tests (app*.e2e.test.ts): the app of
// `npm start` (the @jobgate/server handler, PGlite, the local uploader and the simulated
// RunningHub) and one Chromium, per test file. Each test saves a screenshot under
// .tmp/e2e-screenshots/.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Job } from '@jobgate/core';
import { CHROMIUM_LAUNCH } from '@jobgate/testkit';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { DEMO_OPERATOR, DEMO_USERS } from '../server/devAuthenticator.js';
import { type App, startApp } from '../server/startApp.js';
import { mp4Bytes, pngImage } from './fixtures.js';

const repoDir = fileURLToPath(new URL('../../../..', import.meta.url));
const shots = join(repoDir, '.tmp', 'e2e-screenshots');
const tmpDir = join(repoDir, '.tmp', `web-e2e-${process.pid}`);

export type ToolId = 'upscaler' | 'pose-changer' | 'veste-ai' | 'video-upscaler';
const FIELDS: Record<ToolId, string[]> = {
  upscaler: ['image'],
  'pose-changer': ['person', 'reference'],
  'veste-ai': ['person', 'clothing'],
  'video-upscaler': ['video'],
};
const uuid = () => crypto.randomUUID();

/** The file's app and browser, set by {@link useWebApp}. */
export let app: App;
let browser: Browser;
/** The video the tests upload: a recorded WebM, or an MP4 header when recording fails. */
export let video: Buffer = mp4Bytes();
const pages: Page[] = [];
const blockers: Array<{ jobId: string; userId: string }> = [];

/**
 * Starts the app and Chromium for the file (call it inside its describe); after each test,
 * screenshots the last page, closes the pages and frees every slot.
 */
export function useWebApp(): void {
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
        // No timeouts here: the tests run the runner's timeouts of `npm start` (DEMO_TIMEOUTS).
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
}

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

export async function open(user: string, tool: ToolId, ready = true): Promise<Page> {
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

export const status = (page: Page) => page.getByTestId('status').textContent();
export const waitStatus = (page: Page, text: string | RegExp, timeout = 20_000) =>
  expect
    .poll(() => status(page), { timeout, interval: 100 })
    .toMatch(typeof text === 'string' ? new RegExp(`^${text}$`) : text);

/** Picks valid files (or `bad` bytes as every file, typed like the field wants). */
export async function pick(page: Page, tool: ToolId, seed: number, bad?: Buffer) {
  for (const [i, field] of FIELDS[tool].entries()) {
    const isVideo = field === 'video';
    const mimeType = isVideo ? (video[0] === 0x1a ? 'video/webm' : 'video/mp4') : 'image/png';
    const buffer =
      bad ?? (isVideo ? video : pngImage(96, [60 * (seed + i + 1), 200, 255 - 40 * seed]));
    const name = `${field}.${mimeType.split('/')[1]}`;
    await page.getByTestId(`file-${field}`).setInputFiles({ name, mimeType, buffer });
  }
}

export const jobsOf = (userId: string) => app.store.list({ userId });

/**
 * A long job of `userId` holding a slot (or queued), started on the server as another tab
 * would: a video, or an upscale when the page under test is the video one.
 */
export async function block(userId: string, page: ToolId = 'upscaler'): Promise<Job> {
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
  for (const userId of [...DEMO_USERS, DEMO_OPERATOR]) {
    const job = await app.store.findActive(userId);
    if (job) await app.runner.cancel({ jobId: job.id, userId, confirm: true }).catch(() => {});
  }
}
