import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AnyTool } from '@jobgate/core';

const isTool = (value: unknown): value is AnyTool =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as AnyTool).id === 'string' &&
  typeof (value as AnyTool).parse === 'function' &&
  typeof (value as AnyTool).form === 'object';

/**
 * The app's tools: every `defineTool(...)` exported by a module of `src/tools` (a tool, or a
 * list of tools), in file-name order, each once. Adding a tool is adding a file there; the
 * pages, file rules, menu and result banner all come from this list.
 */
export async function loadAppTools(
  dir = fileURLToPath(new URL('../tools/', import.meta.url)),
): Promise<AnyTool[]> {
  const names = readdirSync(dir)
    .filter((name) => /\.tsx?$/.test(name) && !name.includes('.test.'))
    .sort((a, b) => (a === 'exampleTools.ts' ? -1 : b === 'exampleTools.ts' ? 1 : a < b ? -1 : 1));
  const found = new Map<string, AnyTool>();
  for (const name of names) {
    const module: Record<string, unknown> = await import(pathToFileURL(`${dir}/${name}`).href);
    for (const value of Object.values(module)) {
      for (const tool of Array.isArray(value) ? value : [value]) {
        if (isTool(tool) && !found.has(tool.id)) found.set(tool.id, tool);
      }
    }
  }
  return [...found.values()];
}
