import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The names a module exports, values and types alike, as the TypeScript checker sees them. */
function exportedNames(file: string): string[] {
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    customConditions: ['@jobgate/source'],
    skipLibCheck: true,
    noEmit: true,
  });
  const source = program.getSourceFile(file);
  const checker = program.getTypeChecker();
  const module = source && checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`${file} is not a module`);
  return checker.getExportsOfModule(module).map((s) => s.name);
}

describe('the app entry of @jobgate/core', () => {
  it('stays small (at most 40 names); the adapters’ toolbox is @jobgate/core/adapter', () => {
    const app = exportedNames(`${root}packages/core/src/index.ts`);
    const adapter = exportedNames(`${root}packages/core/src/adapter.ts`);
    expect(app.length).toBeLessThanOrEqual(40);
    // One home per name: nothing is exported by both entries.
    expect(app.filter((name) => adapter.includes(name))).toEqual([]);
    expect(app).toEqual(expect.arrayContaining(['JobRunner', 'defineTool', 'JobGateError']));
    expect(adapter).toEqual(expect.arrayContaining(['jobFromRow', 'JobRow', 'hmacSha256']));
  });
});
