// React 18 support: react-dom@18 cannot be installed next to react@19 in this workspace
// (npm refuses its peer range), so this checks the part that can break: every React API
// the hooks import exists in React 18.3 (installed as the alias `react-18`) with the same
// kind. Rendering itself is exercised with React 19 (useTool.test.tsx, browser.test.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as React19 from 'react';
import { expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const React18 = require('react-18') as Record<string, unknown>;
const srcDir = fileURLToPath(new URL('..', import.meta.url));

function reactImports(): string[] {
  const names = new Set<string>();
  for (const file of readdirSync(srcDir)) {
    if (!/\.tsx?$/.test(file)) continue;
    const text = readFileSync(`${srcDir}/${file}`, 'utf8');
    for (const match of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'react'/g)) {
      for (const part of (match[1] ?? '').split(',')) {
        const name = part.trim();
        if (name && !name.startsWith('type ')) names.add(name.split(/\s+as\s+/)[0] ?? name);
      }
    }
  }
  return [...names].sort();
}

it('every React API the hooks use exists in React 18.3 with the same kind', () => {
  expect(React18.version).toMatch(/^18\.3\./);
  const used = reactImports();
  expect(used).toEqual(
    expect.arrayContaining(['createContext', 'useContext', 'useSyncExternalStore']),
  );
  for (const name of used) {
    const v19 = (React19 as Record<string, unknown>)[name];
    expect(typeof React18[name], name).toBe(typeof v19);
    expect(React18[name], name).toBeDefined();
  }
});

it("the built bundle keeps the 'use client' directive on top (checked when dist exists)", () => {
  let built: string;
  try {
    built = readFileSync(fileURLToPath(new URL('../../dist/index.js', import.meta.url)), 'utf8');
  } catch {
    return;
  }
  expect(built.startsWith("'use client';") || built.startsWith('"use client";')).toBe(true);
});
