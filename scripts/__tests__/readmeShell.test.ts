// The shell blocks the pages mark `run` (```sh run), run as written: each in a new temporary
// folder that holds a link to this checkout named `jobgate` (the pages write `../jobgate/…` for
// it) and nothing else, with `sh -e`, an empty HOME and an npm cache of its own. The packages
// are built first, as the fragment before the root README's tarball steps says
// (`npm run build:packages`, skipped for a package whose sources did not change).
//
// The steps install from the npm registry (zod, PGlite): without it the suite is skipped, and
// fails under JOBGATE_REQUIRE_SERVICES=1, as every suite that needs a service does
// (packages/testkit/src/services.ts).
import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { registryUnreachable } from '../../packages/supabase/src/__tests__/starterCopy.js';
import { blocks, pages, root, SHELL, where } from './markdownBlocks.js';

const exec = promisify(execFile);
const TITLE = 'the shell blocks marked run, run as written';
const runnable = pages.flatMap(blocks).filter((b) => SHELL.has(b.lang) && b.flags[0] === 'run');
/** What each block must print (the page says so right after it), by page. */
const PRINTS: Record<string, RegExp> = {
  'README.md': /submitted: (running|queued)\nended: completed\n/,
};
const folders: string[] = [];

function suite() {
  afterAll(() => {
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });

  it('finds the blocks, and knows what each prints', () => {
    expect(runnable.map((b) => b.page)).toContain('README.md');
    for (const b of runnable)
      expect({ block: where(b), prints: b.page in PRINTS }).toEqual({
        block: where(b),
        prints: true,
      });
  });

  for (const b of runnable) {
    it(`${where(b)} runs as written`, async () => {
      await exec(process.execPath, ['scripts/buildPackages.mjs'], { cwd: root });
      const work = mkdtempSync(join(tmpdir(), 'jobgate-readme-'));
      folders.push(work);
      symlinkSync(root, join(work, 'jobgate'), 'dir');
      mkdirSync(join(work, '.home'));
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')),
      );
      const { stdout } = await exec('sh', ['-e', '-c', b.body], {
        cwd: work,
        env: {
          ...env,
          HOME: join(work, '.home'),
          npm_config_cache: join(work, '.npm-cache'),
          npm_config_fund: 'false',
          npm_config_audit: 'false',
          npm_config_update_notifier: 'false',
        },
        timeout: 150_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      expect(stdout).toMatch(PRINTS[b.page]!);
    }, 180_000);
  }
}

const unreachable = await registryUnreachable();
if (!unreachable) {
  describe(TITLE, suite);
} else if (process.env.JOBGATE_REQUIRE_SERVICES === '1') {
  describe(TITLE, () => {
    it('has the services it needs (JOBGATE_REQUIRE_SERVICES=1)', () => {
      throw new Error(`${TITLE} needs the npm registry: ${unreachable}`);
    });
  });
} else {
  const log = process.env.JOBGATE_SKIP_LOG;
  if (log) appendFileSync(log, `${JSON.stringify({ title: TITLE, reason: unreachable })}\n`);
  describe.skip(TITLE, suite);
}
