import { randomUUID } from 'node:crypto';
import { SAMPLE_MP4, SAMPLE_PNG } from '@jobgate/example-tools';
import { CHROMIUM_LAUNCH, describeWith } from '@jobgate/testkit';
import { type Browser, chromium, type Page } from 'playwright-core';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningStarter, startStarter } from '../../../../examples/supabase/local/dev.ts';
import { devUserId } from '../local.js';

/**
 * The starter's credits as a user meets them in Chromium, on what `npm run dev:supabase`
 * runs (`startStarter`: the migrations and seed, the function in Deno billing through
 * jobgate's ledger, the simulated RunningHub, the pages served by Vite): a sign-up gets the
 * grant of the starter's trigger, the page shows the price before Run and the balance, a job
 * charges its price once, a failed job gives it back, a user who cannot pay is told so with
 * the balance and nothing runs, and the result is shown through a signed Storage URL.
 */
const DATABASE_URL = process.env.DATABASE_URL;
/**
 * How long a simulated task runs: long enough that the page can show the charge of a job that
 * then fails before its refund, on a loaded machine (the whole suite runs in parallel).
 */
const TASK_MS = 2_500;
/** The page's balance follows the ledger within this (it refetches when the job's status changes). */
const SETTLES = { timeout: 10_000 };

interface Entry {
  kind: string;
  amount: number;
  job_id: string | null;
  note: string | null;
}

describeWith(['postgres', 'chromium'], 'the starter’s credits in Chromium', () => {
  const database = `jobgate_credits_${process.pid}_${Math.random().toString(36).slice(2, 7)}`;
  let starter: RunningStarter;
  let browser: Browser | undefined;
  let page: Page;
  let email: string;
  let userId: string;
  const errors: string[] = [];

  const ledger = (user: string) =>
    starter.project.db.query<Entry>(
      `select kind, amount::float8 as amount, job_id, note from jobgate_credit_ledger
        where user_id = $1 order by id`,
      [user],
    );
  const balance = async (user: string) => {
    const [row] = await starter.project.db.query<{ b: { total: number | string } }>(
      'select jobgate_credits_balance_json($1) as b',
      [user],
    );
    return Number(row?.b.total);
  };
  const text = (testId: string) => page.getByTestId(testId).textContent();
  const chooseImage = () =>
    page.getByTestId('file-image').setInputFiles({
      name: 'photo.png',
      mimeType: 'image/png',
      buffer: Buffer.from(SAMPLE_PNG),
    });
  /** Signs up a new e-mail in the page and waits for the tool page. */
  const signUp = async (address: string) => {
    await page.goto(starter.webUrl!);
    await page.getByLabel('E-mail').fill(address);
    await page.getByLabel('Password').fill('a password');
    await page.getByTestId('sign-up').click();
    await expect.poll(() => text('user')).toBe(address);
  };

  beforeAll(async () => {
    starter = await startStarter({
      databaseUrl: DATABASE_URL!,
      database,
      port: 0,
      webPort: 0,
      taskMs: [TASK_MS, TASK_MS],
    });
    browser = await chromium.launch(CHROMIUM_LAUNCH);
    page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    email = `new-${randomUUID()}@example.com`;
    userId = await devUserId(email);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await starter?.stop();
    const admin = postgres(DATABASE_URL!, { max: 1, onnotice: () => undefined });
    await admin.unsafe(`drop database if exists ${database} with (force)`);
    await admin.end();
  });

  it('a new user signs up and starts with the grant of 300, in the page and in the ledger', async () => {
    expect(await ledger(userId)).toEqual([]);
    await signUp(email);
    await expect.poll(() => text('credits'), SETTLES).toBe('300 credits');
    expect(await ledger(userId)).toEqual([
      { kind: 'grant', amount: 300, job_id: null, note: 'sign-up grant' },
    ]);
    // Signing in again is no second grant.
    await page.reload();
    await expect.poll(() => text('credits'), SETTLES).toBe('300 credits');
    expect(await ledger(userId)).toHaveLength(1);
  });

  it('the price shows before Run, as the server sets it for the input, beside the balance', async () => {
    await expect.poll(() => text('quote')).toBe('60 credits');
    await expect.poll(() => text('balance')).toBe('300');
    await page.getByTestId('version-pro').check();
    await expect.poll(() => text('quote')).toBe('80 credits');
    await page.getByTestId('version-standard').check();
    await expect.poll(() => text('quote')).toBe('60 credits');
    // Nothing was charged or started by asking.
    expect(await ledger(userId)).toHaveLength(1);
    expect(await starter.project.db.query('select id from jobgate_jobs')).toEqual([]);
  });

  it('a job charges its price once; its result is shown through a signed Storage URL', async () => {
    await chooseImage();
    await page.getByTestId('run').click();
    await expect.poll(() => text('status'), { timeout: 20_000 }).toBe('completed');
    const jobId = (await text('job-id'))!;
    expect(await text('price')).toBe('60 credits');
    await expect.poll(() => text('credits'), SETTLES).toBe('240 credits');
    expect(await balance(userId)).toBe(240);
    const entries = (await ledger(userId)).filter((e) => e.job_id === jobId);
    expect(entries).toEqual([{ kind: 'charge', amount: -60, job_id: jobId, note: null }]);
    // The result was copied into the job-files bucket and is read by a signed URL.
    const image = page.getByTestId('output-image');
    const src = (await image.getAttribute('src'))!;
    expect(src).toMatch(
      new RegExp(
        `^${starter.project.url}/storage/v1/object/sign/job-files/upscaler/${userId}/${jobId}/output-1\\.png\\?token=`,
      ),
    );
    await expect
      .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
      .toBeGreaterThan(0);
    // Without the signature the object is not readable.
    expect((await fetch(src.replace(/\?token=.*$/, ''))).ok).toBe(false);
  });

  it('a job the provider fails is refunded: the balance comes back, in the page and in the ledger', async () => {
    starter.simulator.setRates({ fail: 1 });
    try {
      await page.getByTestId('reset').click();
      await page.getByTestId('run').click();
      // Charged while it runs (the task takes TASK_MS)…
      await expect.poll(() => text('credits'), SETTLES).toBe('180 credits');
      await expect.poll(() => text('status'), { timeout: 20_000 }).toBe('failed');
    } finally {
      starter.simulator.setRates({});
    }
    const jobId = (await text('job-id'))!;
    expect(await text('error-code')).toBe('PROVIDER_ERROR');
    // … and given back when it failed.
    await expect.poll(() => text('credits'), { timeout: 10_000 }).toBe('240 credits');
    expect(await balance(userId)).toBe(240);
    const entries = (await ledger(userId)).filter((e) => e.job_id === jobId);
    expect(entries.map((e) => [e.kind, e.amount])).toEqual([
      ['charge', -60],
      ['refund', 60],
    ]);
  });

  it('a user without credits sees INSUFFICIENT_CREDITS with the balance, and no job runs', async () => {
    const poor = `poor-${randomUUID()}@example.com`;
    const poorId = await devUserId(poor);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signUp(poor);
    await expect.poll(() => text('credits'), SETTLES).toBe('300 credits');
    // An operator takes the grant away (docs/credits.md: adjust), then the page is reloaded.
    await starter.project.db.query(
      `select jobgate_credits_adjust($1, 'lifetime', 0, 'test: no credits left', true)`,
      [poorId],
    );
    await page.reload();
    await expect.poll(() => text('credits'), SETTLES).toBe('0 credits');
    const before = await ledger(poorId);
    const started = starter.simulator.requests.length;
    await chooseImage();
    await page.getByTestId('run').click();
    await expect.poll(() => text('error-code'), { timeout: 10_000 }).toBe('INSUFFICIENT_CREDITS');
    expect(await text('status')).toBe('failed');
    // The ledger's own plain message (PostgresBilling), then the page's line from the balance.
    expect(await text('error-message')).toBe('60 credits needed, 0 available');
    expect(await text('shortfall')).toBe('You have 0 credits; this job costs 60.');
    expect(await text('error-balance')).toBe('0');
    // Nothing charged, nothing holds a slot, nothing reached RunningHub.
    expect(await ledger(poorId)).toEqual(before);
    const jobs = await starter.project.db.query<{ status: string; error_code: string | null }>(
      'select status, error_code from jobgate_jobs where user_id = $1',
      [poorId],
    );
    expect(jobs).toEqual([{ status: 'failed', error_code: 'INSUFFICIENT_CREDITS' }]);
    expect(starter.simulator.requests.slice(started)).toEqual([]);
  });

  it('bob’s 120 demo credits do not cover a Video Upscaler run (150): refused with the balance', async () => {
    const bob = await devUserId('bob@example.com');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('E-mail').fill('bob@example.com');
    await page.getByTestId('sign-in').click();
    await expect.poll(() => text('credits'), SETTLES).toBe('120 credits');
    await page.getByRole('button', { name: 'Video Upscaler' }).click();
    await expect.poll(() => text('quote')).toBe('150 credits');
    const before = await ledger(bob);
    await page.getByTestId('file-video').setInputFiles({
      name: 'clip.mp4',
      mimeType: 'video/mp4',
      buffer: Buffer.from(SAMPLE_MP4),
    });
    await page.getByTestId('run').click();
    await expect.poll(() => text('error-code'), { timeout: 10_000 }).toBe('INSUFFICIENT_CREDITS');
    expect(await text('error-message')).toBe('150 credits needed, 120 available');
    expect(await text('shortfall')).toBe('You have 120 credits; this job costs 150.');
    expect(await ledger(bob)).toEqual(before);
    expect(errors).toEqual([]);
  });
});
