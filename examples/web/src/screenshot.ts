// Regenerates docs/web-app.png, the picture of the app in the README: `npm run screenshot -w
// examples/web`. Starts the app, runs one upscale as olga (the operator: the one who sees the
// queue panel) to its marked result, fills the three slots with other users' jobs and queues
// one more, then photographs the page.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_LAUNCH } from '@jobgate/testkit';
import { chromium } from 'playwright-core';
import { pngImage } from './__tests__/fixtures.js';
import { startApp } from './server/startApp.js';

const repoDir = fileURLToPath(new URL('../../..', import.meta.url));
const out = join(repoDir, 'docs', 'web-app.png');
const app = await startApp({
  tmpDir: join(repoDir, '.tmp', 'web-screenshot'),
  buildDir: join(repoDir, '.tmp', 'web', 'build'),
  pgliteDir: null,
  imageRunMs: [1_500, 1_500],
  videoRunMs: 600_000,
});
const browser = await chromium.launch(CHROMIUM_LAUNCH);
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(`${app.url}/?user=olga#upscaler`);
  await page.getByTestId('file-image').setInputFiles({
    name: 'photo.png',
    mimeType: 'image/png',
    buffer: pngImage(256, [255, 160, 60]),
  });
  await page.getByTestId('version-pro').check();
  await page.getByTestId('run').click();
  await page.getByTestId('output-image').waitFor({ timeout: 30_000 });
  // Other users' long jobs: three hold the slots, one waits.
  app.timing.imageRunMs = [600_000, 600_000];
  for (const [user, tool] of [
    ['bob', 'video-upscaler'],
    ['carol', 'upscaler'],
    ['dave', 'upscaler'],
    ['erin', 'upscaler'],
  ] as const) {
    const jobId = crypto.randomUUID();
    const field = tool === 'upscaler' ? 'image' : 'video';
    const path = `${tool}/${user}/${jobId}/${field}.png`;
    await mkdir(dirname(join(app.filesDir, path)), { recursive: true });
    await writeFile(join(app.filesDir, path), pngImage(16, [90, 90, 200]));
    await app.runner.submit({ jobId, userId: user, tool, input: { [field]: path } });
  }
  await page.getByTestId('queued').filter({ hasText: '1' }).waitFor();
  await page.waitForTimeout(1_200);
  await page.screenshot({ path: out, fullPage: true });
  process.stdout.write(`wrote ${out}\n`);
} finally {
  await browser.close();
  await app.close();
}
