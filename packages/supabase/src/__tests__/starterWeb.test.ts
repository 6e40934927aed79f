import { CHROMIUM_LAUNCH, describeWith } from '@jobgate/testkit';
import { type Browser, chromium } from 'playwright-core';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningStarter, startStarter } from '../../../../examples/supabase/local/dev.ts';

/**
 * The starter's front end in Chromium, as the quick start uses it: `startStarter` (what
 * `npm run dev:supabase` runs) serves it with Vite against the local Supabase stand-in; a user
 * signs in with Supabase Auth, sees their credits (RLS), runs Veste AI with two images
 * (Storage uploads, functions.invoke, followed through Realtime or polling) and gets the result.
 */
const DATABASE_URL = process.env.DATABASE_URL;

describeWith(['postgres', 'chromium'], 'the starter front end in Chromium', () => {
  const database = `jobgate_web_${process.pid}_${Math.random().toString(36).slice(2, 7)}`;
  let starter: RunningStarter | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    starter = await startStarter({
      databaseUrl: DATABASE_URL!,
      database,
      port: 0,
      webPort: 0,
      taskMs: [1_500, 1_500],
    });
    browser = await chromium.launch(CHROMIUM_LAUNCH);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await starter?.stop();
    const admin = postgres(DATABASE_URL!, { max: 1, onnotice: () => undefined });
    await admin.unsafe(`drop database if exists ${database} with (force)`);
    await admin.end();
  });

  it('sign in, credits, upload two images on the shared Veste AI page, run, follow it to the result', async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(starter!.webUrl!);
    await page.getByLabel('Password').fill('anything');
    await page.getByTestId('sign-in').click();
    await expect.poll(() => page.getByTestId('user').textContent()).toBe('alice@example.com');
    await expect.poll(() => page.getByTestId('credits').textContent()).toBe('500 credits');
    await expect.poll(() => page.getByTestId('slots').textContent()).toBe('0/3 running, 0 waiting');
    await page.getByRole('button', { name: 'Veste AI' }).click();
    const png = { mimeType: 'image/png', buffer: Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]) };
    await page.getByTestId('file-person').setInputFiles({ name: 'me.png', ...png });
    await page.getByTestId('file-clothing').setInputFiles({ name: 'shirt.png', ...png });
    await page.getByTestId('run').click();
    await expect
      .poll(() => page.getByTestId('status').textContent(), { timeout: 10_000 })
      .toMatch(/uploading|starting|running|queued|completed/);
    await expect
      .poll(() => page.getByTestId('status').textContent(), { timeout: 20_000 })
      .toBe('completed');
    expect(await page.getByTestId('output-image').getAttribute('src')).toMatch(/^http/);
    expect(await page.getByTestId('price').textContent()).toBe('60 credits');
    // The page followed the job through Realtime (RLS-filtered changes), not only by polling.
    const [job] = await starter!.project.db.query<{ id: string }>('select id from jobgate_jobs');
    expect(starter!.project.realtimeDeliveries().some((d) => d.id === job?.id)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
