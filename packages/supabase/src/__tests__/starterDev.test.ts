import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { SAMPLE_FILE_NAMES, SAMPLE_PNG, sampleInput } from '@jobgate/example-tools';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningStarter, startStarter } from '../../../../examples/supabase/local/dev.ts';
import { functionsTransport } from '../functionsTransport.js';
import { withNodeRealtime } from '../node.js';
import { storageUploader } from '../storageUploader.js';
import { STARTER_BUCKET } from './starterProject.js';

/** What the front end does for a run: upload the job's images to Storage, then submit. */
async function uploadAndSubmit(supabase: SupabaseClient, tool: 'upscaler' | 'pose-changer') {
  const userId = (await supabase.auth.getUser()).data.user!.id;
  const jobId = randomUUID();
  for (const name of Object.values(SAMPLE_FILE_NAMES[tool])) {
    await storageUploader(supabase, { bucket: STARTER_BUCKET }).upload({
      tool,
      userId,
      jobId,
      name,
      data: new Blob([SAMPLE_PNG as Uint8Array<ArrayBuffer>], { type: 'image/png' }),
      contentType: 'image/png',
    });
  }
  const input = sampleInput(tool, { userId, jobId });
  return functionsTransport(supabase).submit({ jobId, tool, input });
}

/**
 * `npm run dev:supabase` as a user runs it: the whole local stack from one command, with no
 * PostgreSQL server (PGlite in memory).
 */
describe('the quick start: npm run dev:supabase, as docs/quick-start.md runs it', () => {
  const root = fileURLToPath(new URL('../../../../', import.meta.url));
  let child: ChildProcess | undefined;

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
    }
  });

  it('starts everything with one command; a signed-in browser runs a job to its end; Ctrl-C stops it', async () => {
    // No DATABASE_URL: the quick start needs no PostgreSQL server (PGlite in memory).
    const { DATABASE_URL: _server, ...env } = process.env;
    child = spawn('npm', ['run', 'dev:supabase', '--', '--port', '0', '--web-port', '0'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: Ctrl-C reaches npm, tsx and Deno alike.
      detached: true,
    });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    await expect.poll(() => out, { timeout: 90_000, interval: 200 }).toMatch(/Ctrl-C stops it/);
    const field = (label: string) => new RegExp(`${label}\\s+(\\S+)`).exec(out)?.[1] ?? '';
    const url = field('SUPABASE_URL');
    const anonKey = field('anon key');
    const supabase = createClient(url, anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      ...withNodeRealtime(),
    });
    await supabase.auth.signInWithPassword({ email: 'alice@example.com', password: 'x' });
    const transport = functionsTransport(supabase);
    const job = await uploadAndSubmit(supabase, 'upscaler');
    expect(job.status).toBe('running');
    await expect
      .poll(async () => (await transport.get(job.id)).status, { timeout: 20_000, interval: 250 })
      .toBe('completed');
    // The printed token works as well (the curl line).
    const slots = await fetch(`${field('function')}/slots`, {
      headers: { authorization: `Bearer ${field('token for alice')}` },
    });
    expect(await slots.json()).toMatchObject({ cap: 3, running: 0 });
    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    process.kill(-child.pid!, 'SIGINT');
    await exited;
    await expect(fetch(`${url}/rest/v1/`)).rejects.toThrow();
  }, 120_000);
});

describe('the starter on PGlite: no PostgreSQL server at all', () => {
  let starter: RunningStarter | undefined;

  afterAll(async () => {
    await starter?.stop();
  });

  it('npm run dev:supabase without DATABASE_URL: a signed-in user runs a job to its end', async () => {
    starter = await startStarter({ port: 0, webPort: null, taskMs: [300, 300] });
    const supabase = createClient(starter.url, starter.anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      ...withNodeRealtime(),
    });
    await supabase.auth.signInWithPassword({ email: 'bob@example.com', password: 'x' });
    // The seed's demo credits, in jobgate's ledger (RLS: bob's own balance only).
    const balance = await supabase.from('jobgate_credit_balances').select('bucket,amount');
    expect(balance.data?.map((row) => [row.bucket, Number(row.amount)])).toEqual([
      ['lifetime', 120],
    ]);
    const transport = functionsTransport(supabase);
    const job = await uploadAndSubmit(supabase, 'pose-changer');
    expect(job.status).toBe('running');
    await expect
      .poll(async () => (await transport.get(job.id)).status, { timeout: 15_000 })
      .toBe('completed');
  }, 120_000);
});
