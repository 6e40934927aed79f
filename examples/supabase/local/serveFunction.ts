import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

/** The starter's `supabase/` folder. */
export const SUPABASE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'supabase');

export interface ServedFunction {
  /** Where the function listens, e.g. `http://127.0.0.1:54321` (paths start with `/jobgate`). */
  url: string;
  process: ChildProcess;
  /** What it wrote to stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
}

/** The Deno binary of the `deno` npm package (npm 11 skips its postinstall; this links it). */
export function denoBinary(): string {
  const require = createRequire(import.meta.url);
  const install = require('deno/install_api.cjs') as { runInstall(): string };
  return install.runInstall();
}

/** Variables Deno gets from this process: the network setup, nothing else. */
const PASSED_THROUGH = [
  'PATH',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
  'https_proxy',
  'http_proxy',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'DENO_CERT',
] as const;

/** Deno for one function of the starter, offline: its import map, packages from node_modules. */
function denoFor(name: string) {
  const functionDir = join(SUPABASE_DIR, 'functions', name);
  const own = JSON.parse(readFileSync(join(functionDir, 'deno.json'), 'utf8')) as {
    imports?: Record<string, string>;
  };
  const home = mkdtempSync(join(tmpdir(), `jobgate-deno-${name}-`));
  // Removed on stop; and if this process ends first (Ctrl-C, a killed test), on its way out.
  process.once('exit', () => rmSync(home, { recursive: true, force: true }));
  const config = join(home, 'deno.json');
  // The config moves to `home`: a relative target (a copy's vendored `../_vendor/…`) keeps
  // pointing where the function's own deno.json points.
  const imports = Object.fromEntries(
    Object.entries(own.imports ?? {}).map(([key, target]) => [
      key,
      target.startsWith('.') ? pathToFileURL(resolve(functionDir, target)).href : target,
    ]),
  );
  writeFileSync(
    config,
    JSON.stringify({
      imports,
      // Inside the jobgate repository the packages are TypeScript sources (`./x.js` → x.ts).
      unstable: ['sloppy-imports'],
    }),
  );
  return {
    functionDir,
    home,
    entry: join(functionDir, 'index.ts'),
    flags: [
      '--cached-only',
      '--node-modules-dir=manual',
      // The repository's packages export their sources under this condition.
      '--conditions=@jobgate/source',
      '--config',
      config,
    ],
    env: {
      ...Object.fromEntries(
        PASSED_THROUGH.flatMap((key) => (process.env[key] ? [[key, process.env[key]]] : [])),
      ),
      HOME: home,
      DENO_DIR: join(home, 'cache'),
      DENO_NO_UPDATE_CHECK: '1',
      NO_COLOR: '1',
    } as Record<string, string>,
  };
}

/**
 * Type-checks an edge function of the starter with Deno (`deno check`), offline like
 * {@link serveFunction}. Resolves with Deno's output; rejects with it when the check fails.
 */
export async function checkFunction(name: string): Promise<string> {
  const deno = denoFor(name);
  try {
    const { stdout, stderr } = await promisify(execFile)(
      denoBinary(),
      ['check', ...deno.flags, deno.entry],
      { cwd: deno.functionDir, env: deno.env },
    );
    return stdout + stderr;
  } finally {
    rmSync(deno.home, { recursive: true, force: true });
  }
}

/**
 * Serves an edge function of the starter with Deno as `supabase functions serve` would, but
 * without the CLI and without the network: the function's own `deno.json` import map, with its
 * `npm:` packages taken from this project's node_modules (`--node-modules-dir=manual`,
 * `--cached-only`, an empty DENO_DIR of its own), so nothing is downloaded and no earlier
 * cache matters. Resolves once the function listens.
 */
export async function serveFunction(
  name: string,
  env: Record<string, string>,
  options: { timeoutMs?: number } = {},
): Promise<ServedFunction> {
  const deno = denoFor(name);
  const home = deno.home;
  const child = spawn(
    denoBinary(),
    ['run', ...deno.flags, '--allow-net', '--allow-env', '--allow-read', '--allow-sys', deno.entry],
    {
      cwd: deno.functionDir,
      env: { ...deno.env, PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // A function outlives nothing: it ends with this process.
  process.once('exit', () => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Deno did not start:\n${stderr}`)),
      options.timeoutMs ?? 90_000,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      const m = /jobgate listening on (\d+)/.exec(chunk.toString());
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Deno exited with ${code}:\n${stderr}`));
    });
  });
  return {
    url,
    process: child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}
