#!/usr/bin/env node
// Measures what @jobgate/react adds to a browser app: the react package plus the browser
// entry of @jobgate/core (`@jobgate/core/client`), bundled with esbuild from source,
// minified, gzipped; peers (react, react-dom) excluded. Fails past the budget.
//   node scripts/size.mjs          → human-readable report
//   node scripts/size.mjs --json   → { bytes, gzip, budget, core: {...} }
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

// The budget of jobgate's code on a typical page (client + react), min+gz.
export const BUDGET_GZIP = 10 * 1024;
const here = new URL('.', import.meta.url).pathname;

async function measure(contents) {
  const result = await build({
    stdin: { contents, resolveDir: here, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    conditions: ['@jobgate/source'],
    external: ['react', 'react-dom', 'react/jsx-runtime'],
    logLevel: 'silent',
    metafile: true,
  });
  const code = result.outputFiles[0].contents;
  const inputs = Object.keys(result.metafile.inputs);
  return { bytes: code.byteLength, gzip: gzipSync(code, { level: 9 }).byteLength, inputs };
}

// Everything a page can import: the hooks, and the client with its transports and sources.
const all = await measure("export * from '@jobgate/react'; export * from '@jobgate/core/client';");
const core = await measure("export * from '@jobgate/core/client';");
// What a typical page imports: the hooks, the fetch transport and the SSE source.
const typical = await measure(
  "export * from '@jobgate/react'; export { fetchTransport, sseUpdates } from '@jobgate/core/client';",
);
const forbidden = all.inputs.filter((p) => /node_modules\/(zod|eventemitter3)\/|^node:/.test(p));
const report = {
  bytes: all.bytes,
  gzip: all.gzip,
  budget: BUDGET_GZIP,
  core: { bytes: core.bytes, gzip: core.gzip },
  typical: { bytes: typical.bytes, gzip: typical.gzip },
  forbidden,
};

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(report));
} else {
  const kb = (n) => `${(n / 1024).toFixed(2)} kB`;
  console.log(
    `@jobgate/react + all of @jobgate/core/client: ${kb(all.gzip)} gzipped (${kb(all.bytes)} minified)`,
  );
  console.log(
    `  of which @jobgate/core/client:        ${kb(core.gzip)} gzipped (${kb(core.bytes)} minified)`,
  );
  console.log(
    `  a typical page (hooks + fetchTransport + sseUpdates): ${kb(typical.gzip)} gzipped`,
  );
  console.log(`  budget: ${kb(BUDGET_GZIP)} gzipped; react and react-dom excluded (peers)`);
}
if (forbidden.length > 0) {
  console.error(`the browser bundle pulls in server-only modules: ${forbidden.join(', ')}`);
  process.exitCode = 1;
}
if (all.gzip > BUDGET_GZIP) {
  console.error(`over budget: ${all.gzip} B > ${BUDGET_GZIP} B gzipped`);
  process.exitCode = 1;
}
