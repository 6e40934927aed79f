#!/usr/bin/env node
// The `jobgate-postgres` command. An installed package runs its built CLI (dist/). A checkout of the
// monorepo runs the TypeScript source through tsx instead, so the command works right after
// `npm ci` with no build step and never runs a stale build. A checkout is recognised by the
// build config next to package.json, which is not published.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

async function load() {
  if (!existsSync(new URL('../tsup.config.ts', import.meta.url))) return import('../dist/cli.js');
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    console.error('jobgate-postgres: tsx is missing in this checkout: run `npm ci` at its root');
    process.exit(1);
  }
  // Workspace imports resolve to the packages' source, as in the tests and `npm start`.
  register(
    `data:text/javascript,${encodeURIComponent(
      "export const resolve = (s, c, next) => next(s, { ...c, conditions: [...c.conditions, '@jobgate/source'] });",
    )}`,
  );
  tsx.register();
  return import('../src/cli.ts');
}

const { main } = await load();
process.exitCode = await main(process.argv.slice(2));
