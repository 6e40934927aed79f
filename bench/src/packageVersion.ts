import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

const versionAt = (file: string, name: string): string | undefined => {
  try {
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    return pkg.name === name ? pkg.version : undefined;
  } catch {
    return undefined;
  }
};

/** The installed version of a package, from its package.json. */
export function packageVersion(name: string): string {
  try {
    const version = versionAt(require.resolve(`${name}/package.json`), name);
    if (version) return version;
  } catch {
    // package.json not exported: walk up from the entry point
  }
  try {
    let dir = dirname(require.resolve(name));
    for (let i = 0; i < 6; i++, dir = dirname(dir)) {
      const version = versionAt(join(dir, 'package.json'), name);
      if (version) return version;
    }
  } catch {
    // not installed
  }
  return 'unknown';
}
