// The import graph of the packages' sources, read with the TypeScript parser: static imports,
// re-exports (`export … from`), `import x = require(…)` and dynamic `import('…')` with a string
// literal, type-only ones included (a double's types in a production entry put the double in its
// declarations). Relative specifiers resolve to the `.ts`/`.tsx` file they name; `@jobgate/*`
// ones through the package's `exports` and its `@jobgate/source` condition, as vitest and tsx
// resolve them here. Third-party specifiers end the walk.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export interface Manifest {
  name: string;
  private?: boolean;
  exports?: Record<string, unknown>;
}

/** A package of the workspace: its folder (relative to the root) and manifest. */
export interface WorkspacePackage {
  dir: string;
  manifest: Manifest;
}

export function workspacePackages(root: string): WorkspacePackage[] {
  return readdirSync(join(root, 'packages'))
    .map((name) => join('packages', name))
    .filter((dir) => existsSync(join(root, dir, 'package.json')))
    .map((dir) => ({
      dir,
      manifest: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as Manifest,
    }));
}

/** The source file an `exports` target names under `@jobgate/source` (or a bare string). */
export function sourceOf(target: unknown): string | undefined {
  if (typeof target === 'string') return target.endsWith('.ts') ? target : undefined;
  if (target && typeof target === 'object' && '@jobgate/source' in target) {
    const source = (target as Record<string, unknown>)['@jobgate/source'];
    return typeof source === 'string' ? source : undefined;
  }
  return undefined;
}

/** The module specifiers a source file names, in the order written. */
export function specifiersOf(file: string, text = readFileSync(file, 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      found.push(node.moduleReference.expression.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

export class ImportGraph {
  private readonly byName = new Map<string, WorkspacePackage>();
  private readonly edges = new Map<string, string[]>();

  constructor(
    private readonly root: string,
    packages: WorkspacePackage[] = workspacePackages(root),
  ) {
    for (const p of packages) this.byName.set(p.manifest.name, p);
  }

  /** The file (relative to the root) a specifier in `from` resolves to, if it is ours. */
  resolve(specifier: string, from: string): string | undefined {
    if (specifier.startsWith('.')) {
      const base = resolve(this.root, dirname(from), specifier).replace(/\.(m?js|jsx)$/, '');
      const candidates = ['.ts', '.tsx', '/index.ts', '/index.tsx', ''].map((s) => base + s);
      const hit = candidates.find((c) => /\.tsx?$/.test(c) && existsSync(c));
      return hit === undefined ? undefined : relative(this.root, hit);
    }
    const match = /^(@jobgate\/[^/]+)(\/.*)?$/.exec(specifier);
    const pkg = match ? this.byName.get(match[1]!) : undefined;
    if (!pkg || !match) return undefined;
    const subpath = `.${match[2] ?? ''}`;
    const target = sourceOf(pkg.manifest.exports?.[subpath]);
    if (target === undefined) {
      throw new Error(`${from}: ${specifier} is not an entry of ${pkg.manifest.name}`);
    }
    return join(pkg.dir, target);
  }

  /** The workspace files a file imports. */
  importsOf(file: string): string[] {
    let cached = this.edges.get(file);
    if (cached === undefined) {
      cached = specifiersOf(join(this.root, file))
        .map((s) => this.resolve(s, file))
        .filter((f): f is string => f !== undefined);
      this.edges.set(file, cached);
    }
    return cached;
  }

  /**
   * For every file reachable from `entry`, the first chain found that reaches it (breadth
   * first, so the chain is a shortest one): `[entry, …, file]`.
   */
  reach(entry: string): Map<string, string[]> {
    const chains = new Map<string, string[]>([[entry, [entry]]]);
    const queue = [entry];
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      for (const next of this.importsOf(file)) {
        if (chains.has(next)) continue;
        chains.set(next, [...chains.get(file)!, next]);
        queue.push(next);
      }
    }
    return chains;
  }
}
