import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = fileURLToPath(new URL('../..', import.meta.url));
const repoDir = join(webDir, '..', '..');
/** What the browser bundle is made of: a change to any of it builds again. */
const SOURCES = [
  join(webDir, 'index.html'),
  join(webDir, 'src', 'client'),
  join(webDir, 'src', 'pages'),
  join(repoDir, 'packages', 'react', 'src'),
  join(repoDir, 'packages', 'core', 'src'),
];

function hashSources(): string {
  const hash = createHash('sha256');
  const walk = (path: string) => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) {
        if (name !== '__tests__' && name !== 'node_modules') walk(join(path, name));
      }
    } else if (!path.includes('.test.')) {
      hash.update(path.slice(repoDir.length)).update(readFileSync(path));
    }
  };
  for (const source of SOURCES) walk(source);
  return hash.digest('hex').slice(0, 16);
}

/**
 * The app's browser bundle, built with Vite on the first start and cached under
 * `cacheDir/client-<hash of its sources>`; later starts reuse it. Returns the folder.
 */
export async function buildClient(cacheDir: string, log: (line: string) => void): Promise<string> {
  const outDir = join(cacheDir, `client-${hashSources()}`);
  if (existsSync(join(outDir, 'index.html'))) return outDir;
  const started = performance.now();
  log('building the web app with Vite (first start only)…');
  const { build, defaultClientConditions } = await import('vite');
  // Built beside the final folder and renamed: a concurrent start never sees half a build.
  const temp = `${outDir}.${process.pid}.tmp`;
  await mkdir(cacheDir, { recursive: true });
  await build({
    configFile: false,
    root: webDir,
    logLevel: 'warn',
    resolve: { conditions: ['@jobgate/source', ...defaultClientConditions] },
    esbuild: { jsx: 'automatic' },
    build: {
      outDir: temp,
      emptyOutDir: true,
      reportCompressedSize: false,
      rollupOptions: {
        // "use client" marks the hooks for React Server Components; a client bundle ignores it.
        onwarn(warning, warn) {
          if (warning.code !== 'MODULE_LEVEL_DIRECTIVE' && warning.code !== 'SOURCEMAP_ERROR') {
            warn(warning);
          }
        },
      },
    },
  });
  await rename(temp, outDir).catch(async () => {
    // Another process won the race: its build is the same.
    await rm(temp, { recursive: true, force: true });
  });
  log(`built in ${Math.round(performance.now() - started)} ms`);
  return outDir;
}
