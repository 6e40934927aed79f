// A new tool is one file: a copy of the web app gets a fifth tool (a background remover, one
// image, 10 credits) as one new file in src/tools, and nothing else; the copy starts, and in
// real Chromium the tool is in the menu, has its page (the generic form), its price, its file
// check, runs to completed, and the result's banner names it. Needs Chromium (describeWith).
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CHROMIUM_LAUNCH, describeWith } from '@jobgate/testkit';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App, startApp as StartApp } from '../server/startApp.js';
import { pdfBytes, pngImage } from './fixtures.js';

const webDir = fileURLToPath(new URL('../..', import.meta.url));
const repoDir = join(webDir, '..', '..');
const fixtureDir = join(repoDir, '.tmp', `web-fixture-${process.pid}`);
// Two levels down, as in the repo (examples/web), so the copy finds its packages the same way.
const copyDir = join(fixtureDir, 'examples', 'web');

/** The whole new tool: the file a developer adds. */
const NEW_TOOL = `import { defineTool } from '@jobgate/core';
import { z } from 'zod';

/** Background remover: one image, 10 credits. */
export const backgroundRemover = defineTool({
  id: 'background-remover',
  name: 'Background Remover',
  description: 'The subject of an image, on a transparent background.',
  input: z.object({ image: z.string().min(1) }).strict(),
  creditCost: 10,
  maxRunMs: 5 * 60_000,
  files: { image: { accept: ['image/png', 'image/jpeg', 'image/webp'], maxBytes: 8 * 1024 * 1024 } },
  fields: { image: { label: 'Image', help: 'a photo with a clear subject' } },
  provider: {
    target: (input: { image: string }) => ({
      webappId: '2019000000000000001',
      nodeInfoList: [{ nodeId: '1', fieldName: 'image', fieldValue: input.image }],
    }),
  },
});
`;

async function filesOf(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

const skip = (path: string) => /(^|\/)(node_modules|__tests__)(\/|$)/.test(path);

describeWith('chromium', 'a fifth tool added as one file to a copy of the web app', () => {
  let app: App;
  let browser: Browser;

  beforeAll(async () => {
    await rm(fixtureDir, { recursive: true, force: true });
    await cp(webDir, copyDir, { recursive: true, filter: (src) => !skip(relative(webDir, src)) });
    await writeFile(join(copyDir, 'src', 'tools', 'backgroundRemover.ts'), NEW_TOOL);
    const { startApp } = (await import(
      pathToFileURL(join(copyDir, 'src', 'server', 'startApp.ts')).href
    )) as { startApp: typeof StartApp };
    [app, browser] = await Promise.all([
      startApp({
        tmpDir: join(fixtureDir, 'run'),
        store: 'pglite',
        pgliteDir: null,
        imageRunMs: [500, 800],
      }),
      chromium.launch(CHROMIUM_LAUNCH),
    ]);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await rm(fixtureDir, { recursive: true, force: true });
  });

  it('the copy differs from the app by the one new file', async () => {
    const original = (await filesOf(webDir)).filter((p) => !skip(p));
    const copy = await filesOf(copyDir);
    expect(copy.filter((p) => !original.includes(p))).toEqual(['src/tools/backgroundRemover.ts']);
    expect(original.filter((p) => !copy.includes(p))).toEqual([]);
    for (const path of original) {
      expect(await readFile(join(copyDir, path), 'utf8'), path).toBe(
        await readFile(join(webDir, path), 'utf8'),
      );
    }
  });

  it('the new tool has its menu entry, page, price and file check, and runs to its result', async () => {
    const page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${app.url}/?user=alice#background-remover`);
    await page.getByTestId('run').waitFor();
    expect(await page.locator('h1').textContent()).toBe('jobgate · 5 tools');
    expect(await page.locator('nav a').allTextContents()).toEqual([
      'Upscaler Arcano',
      'Pose Changer',
      'Veste AI',
      'Video Upscaler',
      'Background Remover',
    ]);
    expect(await page.locator('h2').textContent()).toBe('Background Remover');
    await expect.poll(() => page.getByTestId('quote').textContent()).toBe('10 credits');
    await page.getByTestId('run').click();
    expect(await page.getByTestId('notice').textContent()).toBe('Choose the image first.');
    const image = page.getByTestId('file-image');
    await image.setInputFiles({ name: 'cv.pdf', mimeType: 'application/pdf', buffer: pdfBytes });
    expect(await page.getByTestId('notice').textContent()).toBe(
      'application/pdf is not accepted here: choose a PNG, JPEG or WebP image',
    );
    await image.setInputFiles({
      name: 'cat.png',
      mimeType: 'image/png',
      buffer: pngImage(64, [200, 120, 40]),
    });
    await page.getByTestId('run').click();
    await expect
      .poll(() => page.getByTestId('status').textContent(), { timeout: 30_000 })
      .toBe('completed');
    expect(await page.getByTestId('price').textContent()).toBe('10 credits');
    await page.getByTestId('output-image').waitFor();
    const [job] = await app.store.list({ userId: 'alice' });
    expect(job).toMatchObject({ tool: 'background-remover', status: 'completed' });
    const [output] = (job!.output as { files: string[] }).files;
    const svg = await readFile(join(app.filesDir, output!), 'utf8');
    expect(svg).toContain('✓ Background Remover (simulated)');
    expect(errors).toEqual([]);
  }, 60_000);
});
