import { existsSync } from 'node:fs';
import { join } from 'node:path';
// The four tool pages of the web app in real Chromium: invalid input, the queue, the
// active-job block. Needs Chromium (describeWith); the setup is in webAppHarness.ts.
import { describeWith } from '@jobgate/testkit';
import { expect, it } from 'vitest';
import { DEMO_USERS } from '../server/devAuthenticator.js';
import { pdfBytes } from './fixtures.js';
import {
  app,
  block,
  jobsOf,
  open,
  pick,
  status,
  type ToolId,
  useWebApp,
  video,
  waitStatus,
} from './webAppHarness.js';

describeWith('chromium', 'the web app in Chromium', () => {
  useWebApp();

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
      const price = tool === 'video-upscaler' ? 150 : tool === 'upscaler' ? 80 : 60;
      // The price is the server's, shown before Run.
      await expect.poll(() => page.getByTestId('quote').textContent()).toBe(`${price} credits`);
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
      expect(await page.getByTestId('price').textContent()).toBe(`${price} credits`);
      // The result was copied into the app's storage before the job completed: the page
      // shows it through a signed URL of the app, and no RunningHub URL is left on the job.
      const done = after[0]!;
      const stored = (done.output as { files: string[] }).files;
      expect(stored).toEqual([
        expect.stringMatching(new RegExp(`^${tool}/${user}/${done.id}/output-1\\.`)),
      ]);
      expect(JSON.stringify(done.output)).not.toMatch(/\/outputs\//);
      expect(existsSync(join(app.filesDir, stored[0]!))).toBe(true);
      const shown = page.getByTestId(tool === 'video-upscaler' ? 'output-video' : 'output-image');
      const shownSrc = (await shown.getAttribute('src')) ?? '';
      expect(shownSrc).toContain(`/files/${stored[0]}?expires=`);
      if (tool === 'video-upscaler') {
        const player = page.getByTestId('output-video');
        const src = (await player.getAttribute('src')) ?? '';
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
});
