import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { SAMPLE_PNG, sampleInput } from '@jobgate/example-tools';
import { type RunningHubSimulator, startRunningHubSimulator } from '@jobgate/runninghub/simulator';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionsTransport } from '../functionsTransport.js';
import { applyMigrations, devUserId, type LocalSupabase, startLocalSupabase } from '../local.js';
import { withNodeRealtime } from '../node.js';
import { storageUploader } from '../storageUploader.js';
import {
  copyStarter,
  DENO_FLAGS,
  denoInCopy,
  devInCopy,
  FRONT_END_PROBE,
  IDENTITY_PROBE,
  REPO_ROOT,
  registryUnreachable,
  type ServedCopy,
  type StarterCopy,
  serveCopy,
} from './starterCopy.js';

/**
 * `examples/supabase` copied out of the repository as docs/supabase.md says, before any
 * @jobgate/* package is on the registry: the vendor step writes the function's @jobgate code
 * into the copy and packs the front end's packages beside it, `npm install` runs in the copy
 * (from the registry, with an empty HOME and npm cache), and Deno runs the function from the
 * copy alone (its node_modules, an empty DENO_DIR, nothing downloaded, reads limited to the
 * copy) against the local Supabase stand-in, on the copy's own migrations.
 *
 * The install needs the npm registry: without it the suite is skipped (and fails under
 * JOBGATE_REQUIRE_SERVICES=1, as every service-backed suite does, packages/testkit/src/services.ts).
 */
const TITLE = 'the Supabase starter, copied out of the repository and run from the copy';
const unreachable = await registryUnreachable();
const JWT_SECRET = 'standalone-test-jwt-secret-with-at-least-32-characters';
/** The bucket the browser uploads to and the function reads from (one for both, as in the starter). */
const BUCKET = 'job-files';

function suite(): void {
  let copy: StarterCopy;

  beforeAll(async () => {
    copy = await copyStarter();
  }, 240_000);

  afterAll(() => {
    if (copy) console.log(`standalone starter: ${JSON.stringify(copy.timings)} ms`);
    copy?.remove();
  });

  it('the function imports the vendored @jobgate code; every other package stays npm:', () => {
    const { imports } = JSON.parse(readFileSync(join(copy.functionDir, 'deno.json'), 'utf8')) as {
      imports: Record<string, string>;
    };
    expect(imports).toMatchObject({
      '@jobgate/core': '../_vendor/jobgate/core.js',
      '@jobgate/supabase/function': '../_vendor/jobgate/supabase-function.js',
    });
    const others = Object.entries(imports).filter(([key]) => !key.startsWith('@jobgate/'));
    expect(others.map(([key]) => key)).toEqual(
      expect.arrayContaining(['@supabase/supabase-js', 'zod']),
    );
    for (const [key, value] of others) expect(value, key).toMatch(new RegExp(`^npm:${key}@`));
    // Deno reads each vendored module's types from its first line.
    const core = readFileSync(join(copy.dir, 'supabase/functions/_vendor/jobgate/core.js'), 'utf8');
    const types = /^\/\/ @ts-self-types="(.+)"\n/.exec(core)?.[1];
    expect(types && existsSync(join(copy.dir, 'supabase/functions/_vendor/jobgate', types))).toBe(
      true,
    );
  });

  it('nothing under supabase/ points outside the copy', () => {
    const functions = join(copy.dir, 'supabase', 'functions');
    const files = readdirSync(functions, { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.(ts|js)$/.test(f))
      .map((f) => join(functions, f));
    expect(files.length).toBeGreaterThan(10);
    const problems: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      if (text.includes(REPO_ROOT)) problems.push(`${file} names the repository`);
      for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
        if (!fileName.startsWith('.')) continue;
        const target = resolve(dirname(file), fileName);
        const inside = !relative(copy.dir, target).startsWith(`..${sep}`);
        const found = existsSync(target) || existsSync(target.replace(/\.js$/, '.d.ts'));
        if (!inside || !found) problems.push(`${relative(copy.dir, file)} imports ${fileName}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('deno check of the copied function passes, from the copy alone', async () => {
    expect(await denoInCopy(copy, ['check', ...DENO_FLAGS, 'index.ts'])).toMatch(/Check index\.ts/);
  }, 60_000);

  it('@jobgate/core is one module: an error of supabaseFunction is the tools’ JobGateError', async () => {
    const probe = join(copy.functionDir, 'probe.ts');
    writeFileSync(probe, IDENTITY_PROBE);
    const out = await denoInCopy(copy, ['run', ...DENO_FLAGS, '--allow-env', 'probe.ts']);
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({
      instanceOf: true,
      isJobGateError: true,
      message: expect.stringMatching(/SUPABASE_URL/),
    });
  }, 60_000);

  it('the front end’s @jobgate packages are installed from the tarballs in vendor/', async () => {
    const lock = readFileSync(join(copy.dir, 'package-lock.json'), 'utf8');
    for (const name of ['core', 'react', 'supabase', 'server', 'postgres', 'runninghub'])
      expect(lock).toContain(`"resolved": "file:vendor/jobgate-${name}-`);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', FRONT_END_PROBE],
      { cwd: copy.dir, env: { PATH: process.env.PATH ?? '' } },
    );
    const loaded = JSON.parse(stdout) as Record<string, { at: string; names: string[] }>;
    for (const { at } of Object.values(loaded)) expect(at).toContain(`${copy.dir}/node_modules/`);
    expect(loaded['@jobgate/react']?.names).toEqual(
      expect.arrayContaining(['JobGateProvider', 'useSlots', 'useOutputFiles', 'useQuote']),
    );
    expect(loaded['@jobgate/core/client']?.names).toContain('JobClient');
    expect(loaded['@jobgate/supabase/browser']?.names).toEqual(
      expect.arrayContaining(['functionsTransport', 'realtimeJobSource', 'storageUploader']),
    );
  }, 60_000);

  it('npm run dev in the copy: the local stack from the copy’s own packages; Ctrl-C stops it', async () => {
    const dev = await devInCopy(copy);
    try {
      const slots = await fetch(`${dev.field('function')}/slots`, {
        headers: { authorization: `Bearer ${dev.field('token for alice')}` },
      });
      expect(await slots.json()).toMatchObject({ cap: 3, running: 0 });
      await dev.interrupt();
      await expect(fetch(`${dev.field('SUPABASE_URL')}/rest/v1/`)).rejects.toThrow();
    } finally {
      dev.kill();
    }
  }, 90_000);

  describe('the copied function, served by Deno from the copy', () => {
    let local: LocalSupabase;
    let sim: RunningHubSimulator;
    let fn: ServedCopy;
    const functionUrl = () => `${local.url}/functions/v1/jobgate`;
    const tokenOf = async (email: string) => local.userToken(await devUserId(email), email);
    const signIn = async (email: string): Promise<SupabaseClient> => {
      const client = createClient(local.url, local.anonKey, {
        auth: { persistSession: false, autoRefreshToken: false },
        ...withNodeRealtime(),
      });
      const { error } = await client.auth.signInWithPassword({ email, password: 'any' });
      expect(error).toBeNull();
      return client;
    };

    beforeAll(async () => {
      // PGlite: the copy's migrations and seed need no database server.
      local = await startLocalSupabase({ jwtSecret: JWT_SECRET, buckets: [BUCKET] });
      await applyMigrations(local.db, join(copy.dir, 'supabase'), { seed: true });
      sim = await startRunningHubSimulator({ apiKeys: ['standalone-key'], durationMs: [200, 200] });
      fn = await serveCopy(copy, {
        SUPABASE_URL: local.url,
        SUPABASE_SERVICE_ROLE_KEY: local.serviceRoleKey,
        JOBGATE_JWT_SECRET: JWT_SECRET,
        JOBGATE_WEBHOOK_SECRET: 'standalone-webhook-secret-0123456789',
        JOBGATE_STORAGE_BUCKET: BUCKET,
        RUNNINGHUB_API_KEY: 'standalone-key',
        RUNNINGHUB_BASE_URL: sim.url,
      });
      local.setFunction('jobgate', fn.url);
    }, 120_000);

    afterAll(async () => {
      await fn?.stop();
      await sim?.close();
      await local?.close();
    });

    it('GET /slots answers a signed-in user, and a request without a JWT is refused', async () => {
      const slots = await fetch(`${functionUrl()}/slots`, {
        headers: { authorization: `Bearer ${await tokenOf('alice@example.com')}` },
      });
      expect(slots.status).toBe(200);
      expect(await slots.json()).toMatchObject({ cap: 3, running: 0 });
      const anonymous = await fetch(`${functionUrl()}/slots`);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    });

    it('the copy’s tools price and validate: a quote, and another user’s file refused before any row', async () => {
      const alice = await devUserId('alice@example.com');
      const bob = await devUserId('bob@example.com');
      const headers = {
        authorization: `Bearer ${await tokenOf('alice@example.com')}`,
        'content-type': 'application/json',
      };
      const jobId = randomUUID();
      const input = sampleInput('upscaler', { userId: alice, jobId });
      const quote = await fetch(`${functionUrl()}/quote`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ tool: 'upscaler', input: { ...input, version: 'pro' } }),
      });
      expect(await quote.json()).toEqual({ tool: 'upscaler', credits: 80 });
      const foreign = await fetch(`${functionUrl()}/jobs`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          jobId,
          tool: 'upscaler',
          input: sampleInput('upscaler', { userId: bob, jobId }),
        }),
      });
      expect(foreign.status).toBe(400);
      expect(await foreign.json()).toMatchObject({ error: { code: 'VALIDATION' } });
      expect(await local.db.query('select id from jobgate_jobs where id = $1', [jobId])).toEqual(
        [],
      );
    });

    it('a job runs to its end: upload, RunningHub, the result stored and signed, its price charged once', async () => {
      // A user of its own, with credits granted through the ledger as an operator would.
      const email = `${randomUUID()}@example.com`;
      const user = await signIn(email);
      const userId = (await user.auth.getUser()).data.user!.id;
      const balance = async () => {
        const [row] = await local.db.query<{ b: { total: number | string } }>(
          'select jobgate_credits_balance_json($1) as b',
          [userId],
        );
        return Number(row?.b.total);
      };
      await local.db.query(`select jobgate_credits_grant($1, 'lifetime', 500, 'standalone test')`, [
        userId,
      ]);
      const before = await balance();
      const jobId = randomUUID();
      const input = sampleInput('upscaler', { userId, jobId });
      await storageUploader(user, { bucket: BUCKET }).upload({
        tool: 'upscaler',
        userId,
        jobId,
        name: 'image.png',
        data: new Blob([SAMPLE_PNG], { type: 'image/png' }),
        contentType: 'image/png',
      });
      const transport = functionsTransport(user);
      const { credits } = await transport.quote('upscaler', input);
      const job = await transport.submit({ jobId, tool: 'upscaler', input });
      expect(job.status).toBe('running');
      await expect
        .poll(async () => (await transport.get(jobId)).status, { timeout: 20_000, interval: 200 })
        .toBe('completed');
      expect(await balance()).toBe(before - credits);
      const [file] = await transport.files(jobId);
      expect(file?.path).toMatch(new RegExp(`^upscaler/${userId}/${jobId}/output-1\\.`));
      const bytes = new Uint8Array(await (await fetch(file!.url)).arrayBuffer());
      // A PNG's signature: the simulated RunningHub's result, copied into Storage.
      expect([...bytes.slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    }, 60_000);

    it('downloaded nothing: every package came from the copy’s node_modules', () => {
      expect(fn.stderr()).not.toMatch(/Download/);
      // Deno makes its npm cache folder; it stays empty, and nothing came from a URL.
      const npmCache = join(copy.denoDir, 'npm');
      const cached = existsSync(npmCache)
        ? readdirSync(npmCache, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
        : [];
      expect(cached.map((e) => e.name)).toEqual([]);
      expect(existsSync(join(copy.denoDir, 'remote'))).toBe(false);
    });
  });
}

if (!unreachable) {
  describe(TITLE, suite);
} else if (process.env.JOBGATE_REQUIRE_SERVICES === '1') {
  describe(TITLE, () => {
    it('reaches the npm registry (JOBGATE_REQUIRE_SERVICES=1)', () => {
      throw new Error(`${TITLE} needs the npm registry: ${unreachable}`);
    });
  });
} else {
  // The skip is reported at the end of the run like every service-backed suite's.
  const log = process.env.JOBGATE_SKIP_LOG;
  if (log) appendFileSync(log, `${JSON.stringify({ title: TITLE, reason: unreachable })}\n`);
  describe.skip(TITLE, suite);
}
