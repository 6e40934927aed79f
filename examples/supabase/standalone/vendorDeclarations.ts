// Type declarations for the vendored function code, in a form Deno reads without a
// node_modules: one .d.ts per source file the entry points reach, with every import a relative
// path to another .d.ts (`./x.js` → `./x.d.ts`, `@jobgate/core` → `../../core/src/index.d.ts`)
// or a third-party package the import map resolves (`zod`). Each type is declared in one file,
// so a `Tool` of `@jobgate/core` is the type `supabaseFunction` of `@jobgate/supabase/function`
// takes.
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';
import type { JobgatePackage } from './jobgatePackages.ts';

export interface Declarations {
  /** Path under the types folder (`core/src/index.d.ts`) → text. */
  files: Map<string, string>;
  /** Each entry specifier → its declaration file under the types folder. */
  entries: Record<string, string>;
  /** The third-party specifiers the declarations import (`zod`, `@supabase/supabase-js`). */
  externals: Set<string>;
}

const toPosix = (path: string) => path.split(sep).join('/');

/**
 * Emits the declarations of `entries` (specifiers like `@jobgate/core`) from the TypeScript
 * sources of this repository's packages, with the repository's compiler settings.
 */
export function vendorDeclarations(
  root: string,
  packages: Map<string, JobgatePackage>,
  entries: readonly string[],
): Declarations {
  const sources = new Map<string, string>();
  for (const pkg of packages.values())
    for (const [specifier, file] of Object.entries(pkg.sources)) sources.set(specifier, file);
  const base = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.base.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  );
  if (!base) throw new Error('tsconfig.base.json could not be read');
  const packagesDir = join(root, 'packages');
  const options: ts.CompilerOptions = {
    ...base.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    declarationMap: false,
    sourceMap: false,
    // Declarations only: the checking is `deno check`'s (and the repository's typecheck).
    noCheck: true,
    skipLibCheck: true,
    types: [],
    rootDir: packagesDir,
    outDir: join(root, '.vendor-declarations'),
    // The workspace packages by path, not through node_modules: TypeScript emits nothing for
    // files it found in node_modules.
    paths: Object.fromEntries([...sources].map(([specifier, file]) => [specifier, [file]])),
  };
  const roots = entries.map((entry) => {
    const file = sources.get(entry);
    if (!file) throw new Error(`${entry} is not an entry point of a public package`);
    return file;
  });
  const program = ts.createProgram(roots, options);
  const emitted = new Map<string, string>();
  const result = program.emit(undefined, (fileName, text) => {
    emitted.set(toPosix(relative(options.outDir!, fileName)), text);
  });
  const errors = result.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    throw new Error(
      ts.formatDiagnostics(errors, {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => root,
        getNewLine: () => '\n',
      }),
    );
  }
  // Each specifier's declaration file, relative to the types folder.
  const declarationOf = (file: string) =>
    toPosix(relative(packagesDir, file)).replace(/\.tsx?$/, '.d.ts');
  const entryFiles = Object.fromEntries(
    entries.map((entry) => [entry, declarationOf(sources.get(entry)!)]),
  );

  // Only what the entries reach, with the imports rewritten for Deno.
  const files = new Map<string, string>();
  const externals = new Set<string>();
  const pending = Object.values(entryFiles);
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    if (files.has(path)) continue;
    const text = emitted.get(path);
    if (text === undefined) throw new Error(`no declarations were emitted for ${path}`);
    // The module specifiers as TypeScript's scanner finds them (never text in a comment),
    // replaced from the last to the first so the earlier positions stay right.
    const specifiers = ts.preProcessFile(text, true, true).importedFiles;
    let rewritten = text;
    for (const { fileName: specifier, pos } of specifiers.reverse()) {
      const target = specifier.startsWith('.')
        ? posix.join(posix.dirname(path), specifier).replace(/\.(js|ts|tsx)$/, '.d.ts')
        : sources.has(specifier)
          ? declarationOf(sources.get(specifier)!)
          : undefined;
      if (target === undefined) {
        if (specifier.startsWith('@jobgate/')) {
          throw new Error(`${path} imports ${specifier}, which has no source entry point`);
        }
        externals.add(specifier); // a third-party package: the import map's npm: entry
        continue;
      }
      pending.push(target);
      let link = posix.relative(posix.dirname(path), target);
      if (!link.startsWith('.')) link = `./${link}`;
      // `pos` is the opening quote.
      rewritten = rewritten.slice(0, pos + 1) + link + rewritten.slice(pos + 1 + specifier.length);
    }
    files.set(path, rewritten);
  }
  return { files, entries: entryFiles, externals };
}
