// The jobgate repository around this starter, as the vendor step sees it: where it is, and its
// public @jobgate/* packages with their versions, dependencies and source entry points.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The starter's own folder in the repository (`examples/supabase`). */
export const STARTER_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The jobgate repository this starter sits in. */
export const REPO_ROOT = join(STARTER_DIR, '..', '..');

export interface JobgatePackage {
  /** `@jobgate/core`, … */
  name: string;
  version: string;
  /** Its folder in the repository (`packages/core`). */
  dir: string;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  /** Each import specifier (`@jobgate/core`, `@jobgate/core/client`) → its TypeScript source. */
  sources: Record<string, string>;
}

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  exports?: Record<string, string | Record<string, unknown>>;
}

/** The packages that get published (`packages/*` that are not private), by name. */
export function jobgatePackages(root = REPO_ROOT): Map<string, JobgatePackage> {
  const packages = new Map<string, JobgatePackage>();
  for (const entry of readdirSync(join(root, 'packages'))) {
    const dir = join(root, 'packages', entry);
    if (!existsSync(join(dir, 'package.json'))) continue;
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    if (manifest.private) continue;
    const sources: Record<string, string> = {};
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      // The workspace's source condition: the file the repository itself runs.
      const source = typeof target === 'object' ? target['@jobgate/source'] : undefined;
      if (typeof source === 'string') {
        sources[manifest.name + subpath.slice(1)] = join(dir, source);
      }
    }
    packages.set(manifest.name, {
      name: manifest.name,
      version: manifest.version,
      dir,
      dependencies: manifest.dependencies ?? {},
      peerDependencies: manifest.peerDependencies ?? {},
      sources,
    });
  }
  return packages;
}

/** The package a bare specifier names: `@scope/name/sub` → `@scope/name`, `zod/v4` → `zod`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** The @jobgate/* packages `names` need, themselves included (dependencies, transitively). */
export function withJobgateDependencies(
  names: Iterable<string>,
  packages: Map<string, JobgatePackage>,
): string[] {
  const out = new Set<string>();
  const visit = (name: string) => {
    const pkg = packages.get(name);
    if (!pkg) throw new Error(`${name} is not a public package of this repository`);
    if (out.has(name)) return;
    out.add(name);
    for (const dep of Object.keys(pkg.dependencies)) if (dep.startsWith('@jobgate/')) visit(dep);
  };
  for (const name of names) visit(name);
  return [...out].sort();
}
