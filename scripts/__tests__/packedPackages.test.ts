// The six public packages as a user gets them before they are published: built, packed with
// `npm pack`, installed with `npm install <tarballs>` into a new project outside this repository,
// then imported from Node (every `exports` entry, ESM and CJS), typechecked from a TypeScript file
// (the types resolve from the tarballs), and their CLIs run from the installed bins.
//
// The install needs no network and no npm cache: the third-party packages the tarballs depend on
// are linked from this repository's node_modules (`file:` dependencies, the versions of the
// lockfile), and npm runs with --offline and an empty cache of its own.
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USAGE } from '../../packages/postgres/src/cli.js';
import { HELP } from '../../packages/runninghub/src/simCli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const exec = promisify(execFile);
const PUBLIC = ['core', 'postgres', 'supabase', 'server', 'runninghub', 'react'];

interface Manifest {
  name: string;
  exports: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  bin?: Record<string, string>;
}
const manifests = PUBLIC.map(
  (dir) =>
    JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as Manifest,
);
/** Every entry point a user can import: `@jobgate/core`, `@jobgate/core/client`, … */
const entries = manifests.flatMap((m) =>
  Object.keys(m.exports)
    .filter((subpath) => subpath !== './package.json')
    .map((subpath) => m.name + subpath.slice(1)),
);

/** The directory of a third-party package installed in this repository. */
function installed(name: string): string | undefined {
  const dirs = PUBLIC.map((p) => join(root, 'packages', p, 'node_modules', name));
  return [join(root, 'node_modules', name), ...dirs].find((d) =>
    existsSync(join(d, 'package.json')),
  );
}

let work: string;
let app: string;
const timings: Record<string, number> = {};
async function timed<T>(label: string, step: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await step();
  } finally {
    timings[label] = Math.round(performance.now() - started);
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'jobgate-packed-'));
  app = join(work, 'app');
  const packs = join(work, 'packs');
  mkdirSync(app);
  mkdirSync(packs);
  // The README's steps: build, then pack the six packages.
  await timed('build', () => exec(process.execPath, ['scripts/buildPackages.mjs'], { cwd: root }));
  await timed('pack', () =>
    exec(
      'npm',
      [
        'pack',
        '--silent',
        '--pack-destination',
        packs,
        ...PUBLIC.flatMap((p) => ['-w', `packages/${p}`]),
      ],
      { cwd: root },
    ),
  );
  const tarballs = readdirSync(packs).map((f) => join(packs, f));
  // The third-party packages the tarballs need (dependencies and peers, and their @types),
  // linked from this repository so that npm finds them without the registry.
  const thirdParty = new Set(
    manifests.flatMap((m) =>
      [...Object.keys(m.dependencies ?? {}), ...Object.keys(m.peerDependencies ?? {})].filter(
        (name) => !name.startsWith('@jobgate/'),
      ),
    ),
  );
  for (const name of [...thirdParty, 'node']) {
    const types = `@types/${name.replace(/^@([^/]+)\//, '$1__')}`;
    if (installed(types)) thirdParty.add(types);
  }
  const links = Object.fromEntries(
    [...thirdParty].map((name) => {
      const dir = installed(name);
      if (!dir) throw new Error(`${name} is not installed in this repository: run npm ci`);
      return [name, `file:${dir}`];
    }),
  );
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: links }),
  );
  // --ignore-scripts: npm would otherwise run the linked packages' prepare scripts in this
  // repository's node_modules.
  await timed('install', () =>
    exec(
      'npm',
      ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', ...tarballs],
      { cwd: app, env: { ...process.env, npm_config_cache: join(work, 'npm-cache') } },
    ),
  );
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
  console.log(`packed packages: ${JSON.stringify(timings)} ms`);
});

describe('the six public packages, packed and installed into a new project', () => {
  it('installs them from the tarballs, not as links to this repository', () => {
    for (const m of manifests) {
      const dir = join(app, 'node_modules', m.name);
      expect(existsSync(join(dir, 'dist')), `${m.name} has dist/`).toBe(true);
      expect(existsSync(join(dir, 'tsup.config.ts')), `${m.name} ships no build config`).toBe(
        false,
      );
    }
  });

  it('imports every entry point from Node, as ESM and as CommonJS', async () => {
    expect(entries).toEqual(expect.arrayContaining(['@jobgate/core', '@jobgate/core/client']));
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const entries = ${JSON.stringify(entries)};
      const out = {};
      for (const entry of entries) {
        const esm = Object.keys(await import(entry)).sort();
        const cjs = Object.keys(require(entry)).filter((k) => k !== '__esModule').sort();
        out[entry] = { esm, cjs };
      }
      console.log(JSON.stringify(out));`;
    const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script], {
      cwd: app,
    });
    const loaded = JSON.parse(stdout) as Record<string, { esm: string[]; cjs: string[] }>;
    expect(Object.keys(loaded)).toEqual(entries);
    for (const [entry, { esm, cjs }] of Object.entries(loaded)) {
      expect(esm.length, `${entry} exports something`).toBeGreaterThan(0);
      expect(cjs, `${entry}: CommonJS exports the same names`).toEqual(esm);
    }
    expect(loaded['@jobgate/core']?.esm).toContain('JobGateError');
    expect(loaded['@jobgate/core/client']?.esm).toContain('JobClient');
  });

  it('typechecks a TypeScript file importing every entry point, with types from the tarballs', async () => {
    const lines = entries.map((entry, i) => `import * as entry${i} from '${entry}';`);
    lines.push(
      `export const all = [${entries.map((_, i) => `entry${i}`).join(', ')}];`,
      // A wrong use must fail: the types are real, not `any`.
      `// @ts-expect-error JobGateError takes a known error code`,
      `new entry0.JobGateError('NOT_A_CODE', 'x');`,
    );
    writeFileSync(join(app, 'main.ts'), `${lines.join('\n')}\n`);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        files: ['main.ts'],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await exec(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app }).catch(
      (error: { stdout: string }) => error,
    );
    // Declaration files are checked too (skipLibCheck off), but only ours must be clean: some
    // third-party ones (PGlite's) do not check on their own.
    const ours = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('main.ts') || line.startsWith('node_modules/@jobgate/'));
    expect(ours).toEqual([]);
  }, 120_000);

  it('runs both CLIs from the installed bins', async () => {
    const bin = (name: string) => join(app, 'node_modules', '.bin', name);
    const postgres = await exec(bin('jobgate-postgres'), ['--help'], { cwd: app });
    expect(postgres.stdout).toBe(USAGE);
    const sim = await exec(bin('jobgate-runninghub-sim'), ['--help'], { cwd: app });
    expect(sim.stdout).toBe(HELP);
  });
});
