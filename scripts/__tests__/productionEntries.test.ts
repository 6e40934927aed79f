// No production entry imports a test double. The doubles (core's fake clock, in-memory billing
// and storage, seeded random numbers and simulated provider; the RunningHub simulator; the local
// Supabase stand-in; the testkit) live behind entries whose names say so: `./testing`,
// `./simulator`, `./function-simulated`, `./local` (the Supabase stand-in for development),
// and the private @jobgate/testkit. Every other entry of every package's `exports` is walked
// through its source (static imports, re-exports, dynamic `import('…')` with a string literal,
// across packages through their `@jobgate/source` condition); the test fails naming the chain
// that reaches a double's file. The published builds are checked too: each production entry's
// built module and the chunks it loads hold no double's source (their source maps say which
// files went in) and import no double entry of another package.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImportGraph, sourceOf, specifiersOf, workspacePackages } from './importGraph.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The files of the test doubles, relative to the repository root. */
const DOUBLE_FILES = [
  /^packages\/core\/src\/testing\//,
  /^packages\/runninghub\/src\/(sim[^/]*|runningHubSimulator[^/]*)\.ts$/,
  /^packages\/supabase\/src\/(local\/|local\.ts$|functionSimulated\.ts$)/,
  /^packages\/testkit\//,
];
const isDouble = (file: string) => DOUBLE_FILES.some((pattern) => pattern.test(file));

/** Entry names that say "test double or stand-in": the only ones allowed to reach one. */
const DOUBLE_ENTRY = /^\.\/(testing|simulator|function-simulated|local)$/;

const packages = workspacePackages(root);
/** Every entry point, production or not: `{ specifier, source, double }`. */
const entries = packages.flatMap(({ dir, manifest }) =>
  Object.entries(manifest.exports ?? {})
    .filter(([subpath]) => subpath !== './package.json')
    .map(([subpath, target]) => ({
      pkg: manifest,
      dir,
      subpath,
      target,
      specifier: manifest.name + subpath.slice(1),
      source: join(dir, sourceOf(target) ?? ''),
      double: manifest.name === '@jobgate/testkit' || DOUBLE_ENTRY.test(subpath),
    })),
);
const production = entries.filter((e) => !e.double);

/**
 * The doubles a production entry reaches, each as the chain of files that gets there (only
 * where a chain enters a double: what that double imports in turn is not listed again).
 */
function doublesReached(graph: ImportGraph, entry: string): string[] {
  return [...graph.reach(entry)]
    .filter(([file, chain]) => isDouble(file) && !isDouble(chain.at(-2) ?? ''))
    .map(([, chain]) => chain.join(' → '));
}

describe('production entries import no test double', () => {
  const graph = new ImportGraph(root, packages);

  it('every package has its production entries walked', () => {
    const names = production.map((e) => e.specifier);
    expect(names).toEqual(
      expect.arrayContaining([
        '@jobgate/core',
        '@jobgate/core/client',
        '@jobgate/runninghub',
        '@jobgate/supabase',
        '@jobgate/supabase/browser',
        '@jobgate/supabase/function',
        '@jobgate/server',
        '@jobgate/postgres',
        '@jobgate/react',
      ]),
    );
    for (const e of production) expect(existsSync(join(root, e.source)), e.specifier).toBe(true);
  });

  for (const entry of production) {
    it(`${entry.specifier} reaches no double`, () => {
      expect(doublesReached(graph, entry.source)).toEqual([]);
    });
  }

  it('the doubles stay reachable from the entries whose names say so', () => {
    // Were the patterns wrong (a moved folder), the tests above would pass on nothing.
    for (const specifier of [
      '@jobgate/core/testing',
      '@jobgate/runninghub/simulator',
      '@jobgate/supabase/function-simulated',
      '@jobgate/supabase/local',
    ]) {
      const entry = entries.find((e) => e.specifier === specifier);
      expect(entry, specifier).toBeDefined();
      expect(doublesReached(graph, entry!.source).length, specifier).toBeGreaterThan(0);
    }
  });

  it('the walk follows imports, re-exports, type imports and dynamic import()', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from './b.js';",
      "export { c } from './c.js';",
      "export * from './d.js';",
      "const e = await import('@jobgate/core/testing');",
      'type F = import("./f.js").F;',
      'const skipped = await import(name);',
    ].join('\n');
    expect(specifiersOf('probe.ts', text)).toEqual([
      './a.js',
      './b.js',
      './c.js',
      './d.js',
      '@jobgate/core/testing',
      './f.js',
    ]);
  });
});

/** A module of a built package: the repository files it holds and what it imports. */
function builtModule(file: string) {
  const text = readFileSync(file, 'utf8');
  const map = `${file}.map`;
  const sources = existsSync(map)
    ? (JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] }).sources.map((s) =>
        relative(root, resolve(dirname(file), s)),
      )
    : [];
  return { sources, specifiers: specifiersOf(file.replace(/\.c?js$/, '.ts'), text) };
}

/** Entries of other packages a built module may not import. */
const doubleSpecifiers = new Set(entries.filter((e) => e.double).map((e) => e.specifier));

/** The doubles a built file reaches: its own sources, its chunks', and double entries it imports. */
function builtDoubles(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const { sources, specifiers } = builtModule(file);
  const found = sources.filter(isDouble).map((s) => `${relative(root, file)} holds ${s}`);
  for (const specifier of specifiers) {
    if (specifier.startsWith('.')) {
      found.push(...builtDoubles(resolve(dirname(file), specifier), seen));
    } else if (doubleSpecifiers.has(specifier)) {
      found.push(`${relative(root, file)} imports ${specifier}`);
    }
  }
  return found;
}

/** The built files an `exports` target names (ESM and CJS). */
function builtFiles(target: unknown): string[] {
  const found: string[] = [];
  const walk = (value: unknown, condition: string) => {
    if (typeof value === 'string') {
      if (condition === 'default' && /\.c?js$/.test(value)) found.push(value);
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) walk(inner, key);
    }
  };
  walk(target, '');
  return found;
}

describe('the published builds of the production entries hold no test double', () => {
  const published = production.filter((e) => !e.pkg.private);

  beforeAll(async () => {
    // Rebuilds only the packages whose sources changed since their last build.
    await promisify(execFile)(process.execPath, ['scripts/buildPackages.mjs'], { cwd: root });
  }, 600_000);

  for (const entry of published) {
    it(`${entry.specifier}: its built modules`, () => {
      const files = builtFiles(entry.target).map((f) => join(root, entry.dir, f));
      expect(files.length, entry.specifier).toBeGreaterThan(0);
      for (const file of files) {
        expect(existsSync(file), file).toBe(true);
        expect(builtDoubles(file)).toEqual([]);
      }
    });
  }

  it('the source maps name the files bundled in (so the check above can fail)', () => {
    const testing = entries.find((e) => e.specifier === '@jobgate/core/testing')!;
    const file = join(root, testing.dir, builtFiles(testing.target)[0]!);
    expect(builtDoubles(file).length).toBeGreaterThan(0);
  });
});
