// The @jobgate/* packages of the starter's package.json (the front end's, and the local
// run's) as tarballs in its `vendor/` folder, built and packed from this repository with
// `npm pack`, so `npm install` in a copy works before they are on the registry.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { jobgatePackages, REPO_ROOT, withJobgateDependencies } from './jobgatePackages.ts';

/** The tarballs' folder, relative to a starter. */
export const TARBALL_DIR = 'vendor';

interface PackageJson {
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  overrides?: Record<string, unknown>;
  [key: string]: unknown;
}

/** npm's own settings of a calling `npm run` (workspace, prefix, …) would steer this one. */
function npmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^npm_/.test(key)),
  ) as NodeJS.ProcessEnv;
}

/**
 * Packs every @jobgate/* package the starter at `starter` depends on (and the ones those
 * depend on) into `vendor/`, and points its package.json at them: `file:vendor/….tgz`, and
 * `overrides` so the packages' own dependencies on each other resolve to the same tarballs.
 * Resolves to the tarballs by package name (paths relative to the starter).
 */
export async function vendorPackages(
  starter: string,
  root = REPO_ROOT,
): Promise<Record<string, string>> {
  const manifestFile = join(starter, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as PackageJson;
  const packages = jobgatePackages(root);
  const direct = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).filter(
    (name) => name.startsWith('@jobgate/'),
  );
  const needed = withJobgateDependencies(direct, packages);

  // A tarball holds dist/: build what is stale first (the repository's own build step).
  const script = pathToFileURL(join(root, 'scripts', 'buildPackages.mjs')).href;
  const { buildPackages } = (await import(script)) as { buildPackages(): Promise<string[]> };
  await buildPackages();

  const out = join(starter, TARBALL_DIR);
  mkdirSync(out, { recursive: true });
  for (const file of readdirSync(out))
    if (/^jobgate-.*\.tgz$/.test(file)) rmSync(join(out, file), { force: true });
  const { stdout } = await promisify(execFile)(
    'npm',
    [
      'pack',
      '--json',
      '--pack-destination',
      out,
      ...needed.flatMap((name) => ['--workspace', packages.get(name)!.dir]),
    ],
    { cwd: root, env: npmEnv(), maxBuffer: 64 * 1024 * 1024 },
  );
  const packed = JSON.parse(stdout) as Array<{ name: string; filename: string }>;
  const tarballs = Object.fromEntries(
    packed.map((p) => [p.name, `${TARBALL_DIR}/${p.filename.replace(/^.*\//, '')}`]),
  );
  for (const name of needed) if (!tarballs[name]) throw new Error(`npm pack made no ${name}`);

  const spec = (name: string) => `file:${tarballs[name]}`;
  for (const deps of [manifest.dependencies, manifest.devDependencies])
    for (const name of Object.keys(deps ?? {})) if (tarballs[name]) deps![name] = spec(name);
  // `@jobgate/supabase` asks for `@jobgate/server@0.1.0`, which the registry does not have yet.
  manifest.overrides = {
    ...manifest.overrides,
    ...Object.fromEntries(needed.map((name) => [name, spec(name)])),
  };
  // This script runs in the repository only; the copy has nothing to vendor from.
  if (manifest.scripts) delete manifest.scripts.vendor;
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  return tarballs;
}
