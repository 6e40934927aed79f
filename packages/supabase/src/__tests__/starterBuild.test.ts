import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { SUPABASE_DIR } from '../../../../examples/supabase/local/serveFunction.ts';

/**
 * The starter's front end as a team ships it: `npx vite build web` with the starter's own Vite
 * config, and its sources importing nothing outside the starter (its pages are its own).
 */
const STARTER = dirname(SUPABASE_DIR);
const WEB = join(STARTER, 'web');

describe('the starter’s front end builds on its own', () => {
  const out = mkdtempSync(join(tmpdir(), 'jobgate-starter-web-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('no source of web/ imports a file outside the starter', () => {
    const files = readdirSync(join(WEB, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.tsx?$/.test(f))
      .map((f) => join(WEB, 'src', f));
    expect(files.length).toBeGreaterThan(10);
    const outside: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
        if (!fileName.startsWith('.')) continue;
        const target = resolve(dirname(file), fileName);
        if (relative(STARTER, target).startsWith(`..${sep}`) || !existsSync(target))
          outside.push(`${relative(STARTER, file)} imports ${fileName}`);
      }
    }
    expect(outside).toEqual([]);
  });

  it('vite build writes the pages and their styles, with no database driver in the bundle', async () => {
    const { build } = await import('vite');
    // What `npx vite build` sets (vitest runs with NODE_ENV=test, which would build React's
    // development code).
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({
        root: WEB,
        configFile: join(WEB, 'vite.config.ts'),
        logLevel: 'silent',
        build: { outDir: out, emptyOutDir: true },
      });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    const assets = readdirSync(join(out, 'assets'));
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    for (const asset of assets) expect(html).toContain(`/assets/${asset}`);
    const text = (ext: string) =>
      assets
        .filter((a) => a.endsWith(ext))
        .map((a) => readFileSync(join(out, 'assets', a), 'utf8'))
        .join('\n');
    const js = text('.js');
    // The tool pages and the sign-in are in it (their test ids), and so are their styles.
    const ids = ['sign-up', 'quote', 'balance', 'output-image', 'output-video', 'shortfall'];
    expect(ids.filter((id) => !js.includes(`"${id}"`))).toEqual([]);
    expect(/\.tab\.current\{/.test(text('.css'))).toBe(true);
    // The drivers stay out: neither bundled nor imported.
    expect(js.match(/["']postgres["']|@electric-sql\/pglite|perf_hooks/g)).toBeNull();
  }, 120_000);
});
