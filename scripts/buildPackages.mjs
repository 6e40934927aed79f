// Builds the public packages (tsup: dist/ with ESM, CJS and types) whose build inputs changed
// since their last build, so the packaging checks and the packed-packages test share one build
// per change instead of building every package twice in `npm test`. A package is rebuilt unless
// a hash of its inputs (src/, package.json, tsup.config.ts, the shared TypeScript config and the
// tsup and TypeScript versions) equals the stamp its last build left, and its dist/ still exists.
// `--force` rebuilds all. Run as a script, or import buildPackages().
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamps = join(root, 'node_modules', '.cache', 'jobgate-build');

/** The packages that get published: not private, with a build script. */
export function publicPackages() {
  return readdirSync(join(root, 'packages'))
    .map((name) => join(root, 'packages', name))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ pkg }) => !pkg.private && pkg.scripts?.build)
    .map(({ dir, pkg }) => ({ dir, name: pkg.name }));
}

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

function inputHash(dir) {
  const hash = createHash('sha256');
  const inputs = [
    ...filesUnder(join(dir, 'src')),
    join(dir, 'package.json'),
    join(dir, 'tsup.config.ts'),
    join(root, 'tsconfig.json'),
    join(root, 'tsconfig.base.json'),
  ];
  for (const file of inputs) {
    if (!existsSync(file)) continue;
    hash.update(`${file}\0`).update(readFileSync(file)).update('\0');
  }
  for (const tool of ['tsup', 'typescript']) {
    const manifest = join(root, 'node_modules', tool, 'package.json');
    hash.update(`${tool}@${JSON.parse(readFileSync(manifest, 'utf8')).version}\0`);
  }
  return hash.digest('hex');
}

/**
 * Builds the stale public packages, two at a time. Resolves to the names built; rejects with the
 * build output of the first package that failed.
 */
export async function buildPackages({ force = false } = {}) {
  mkdirSync(stamps, { recursive: true });
  // One build at a time across processes (test files build in parallel workers): two tsup
  // runs of one package would clean each other's dist/ half-way.
  const release = await lock(join(stamps, 'lock'));
  try {
    return await buildStale(force);
  } finally {
    release();
  }
}

/** A lock folder holding the owner's pid; a dead owner's lock is taken over. */
async function lock(dir) {
  for (const started = Date.now(); ; ) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    let owner = 0;
    try {
      owner = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    } catch {
      // just created: its pid comes next
    }
    if (owner && !alive(owner)) rmSync(dir, { recursive: true, force: true });
    else if (Date.now() - started > 15 * 60_000) throw new Error(`${dir}: held for 15 minutes`);
    else await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

async function buildStale(force) {
  const stale = publicPackages()
    .map((p) => ({
      ...p,
      hash: inputHash(p.dir),
      stamp: join(stamps, `${basename(p.dir)}.sha256`),
    }))
    .filter(
      (p) =>
        force ||
        !existsSync(join(p.dir, 'dist')) ||
        !existsSync(p.stamp) ||
        readFileSync(p.stamp, 'utf8') !== p.hash,
    );
  const queue = [...stale];
  const worker = async () => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      rmSync(p.stamp, { force: true }); // a build that dies midway leaves no stamp behind
      try {
        await promisify(execFile)('npm', ['run', 'build', '--silent'], {
          cwd: p.dir,
          maxBuffer: 64 * 1024 * 1024,
        });
      } catch (error) {
        queue.length = 0;
        throw new Error(`${p.name}: build failed\n${error.stdout ?? ''}${error.stderr ?? ''}`);
      }
      writeFileSync(p.stamp, p.hash);
    }
  };
  await Promise.all([worker(), worker()]);
  return stale.map((p) => p.name);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  const built = await buildPackages({ force: process.argv.includes('--force') });
  console.log(
    built.length > 0
      ? `built ${built.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`
      : 'every public package is built and up to date',
  );
}
