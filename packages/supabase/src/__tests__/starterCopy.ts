import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * The Supabase starter copied out of this repository the way docs/supabase.md has a team do it
 * (`npm run vendor:supabase -- --out <folder>`, then `npm install` in the copy), into a
 * temporary folder with nothing of the repository above it, and Deno run from that copy only.
 */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const exec = promisify(execFile);

/** Variables a child gets from this process: the network and its certificates, nothing else. */
const NETWORK = [
  'PATH',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
  'https_proxy',
  'http_proxy',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
  'DENO_CERT',
] as const;

function networkEnv(): Record<string, string> {
  return Object.fromEntries(
    NETWORK.flatMap((key) => (process.env[key] ? [[key, process.env[key]]] : [])),
  );
}

export interface StarterCopy {
  /** The copy (`<work>/my-app`). */
  dir: string;
  /** The function's folder in the copy, where Deno runs. */
  functionDir: string;
  /** The Deno binary the copy installed. */
  deno: string;
  /** Deno's environment: an empty HOME and DENO_DIR of its own. */
  denoEnv: Record<string, string>;
  /** Deno's cache folder (nothing may be downloaded into it). */
  denoDir: string;
  /** How long each step took, ms. */
  timings: Record<string, number>;
  remove(): void;
}

/**
 * npm as CI runs it: an empty HOME (no ~/.npmrc) and an empty cache of its own, so the result
 * does not depend on what this machine installed before; none of the `npm_*` settings a
 * calling `npm run` exports (its workspace, prefix, cache).
 */
function npmEnv(work: string): Record<string, string> {
  const home = join(work, 'npm-home');
  mkdirSync(home, { recursive: true });
  return { ...networkEnv(), HOME: home, npm_config_cache: join(work, 'npm-cache') };
}

/** Empty when npm reaches its registry from here, else why not. */
export async function registryUnreachable(): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'jobgate-registry-'));
  try {
    await exec('npm', ['ping', '--fetch-retries=0', '--fetch-timeout=15000'], {
      env: npmEnv(work),
      timeout: 20_000,
    });
    return '';
  } catch (error) {
    const { stderr = '', killed } = error as { stderr?: string; killed?: boolean };
    const said = stderr.split('\n').filter((line) => line.startsWith('npm error'));
    return killed || said.length === 0
      ? 'npm ping had no answer from the registry within 20 s'
      : `npm ping failed: ${(said.find((line) => /reason:|\bE\d{3}\b/.test(line)) ?? said[0]!).replace(/^npm error\s*/, '')}`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The documented copy-out steps into a new temporary folder. */
export async function copyStarter(): Promise<StarterCopy> {
  const work = mkdtempSync(join(tmpdir(), 'jobgate-standalone-'));
  const timings: Record<string, number> = {};
  const timed = async <T>(label: string, step: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await step();
    } finally {
      timings[label] = Math.round(performance.now() - started);
    }
  };
  const remove = () => rmSync(work, { recursive: true, force: true });
  try {
    // Node and Deno look for node_modules in every folder above a module: none may be there.
    for (let dir = dirname(work); ; dir = dirname(dir)) {
      if (existsSync(join(dir, 'node_modules'))) {
        throw new Error(`${dir}/node_modules would be visible to the copy: use another TMPDIR`);
      }
      if (dir === dirname(dir)) break;
    }
    const dir = join(work, 'my-app');
    const env = npmEnv(work);
    await timed('vendor', () =>
      exec('npm', ['run', 'vendor:supabase', '--', '--out', dir], {
        cwd: REPO_ROOT,
        env,
        maxBuffer: 16 * 1024 * 1024,
      }),
    );
    await timed('install', () =>
      exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], {
        cwd: dir,
        env,
        maxBuffer: 16 * 1024 * 1024,
      }),
    );
    // npm 11 does not run the deno package's install script; its own API links the binary.
    const install = createRequire(join(dir, 'package.json'))('deno/install_api.cjs') as {
      runInstall(): string;
    };
    const deno = install.runInstall();
    const denoHome = join(work, 'deno-home');
    mkdirSync(denoHome);
    const denoDir = join(work, 'deno-dir');
    return {
      dir,
      functionDir: join(dir, 'supabase', 'functions', 'jobgate'),
      deno,
      denoDir,
      denoEnv: {
        ...networkEnv(),
        HOME: denoHome,
        DENO_DIR: denoDir,
        DENO_NO_UPDATE_CHECK: '1',
        NO_COLOR: '1',
      },
      timings,
      remove,
    };
  } catch (error) {
    remove();
    throw error;
  }
}

/**
 * Deno's flags for the copy: the function's own deno.json (as `supabase functions serve` uses
 * it), npm packages read from the copy's node_modules and nothing downloaded.
 */
export const DENO_FLAGS = ['--config', 'deno.json', '--node-modules-dir=manual', '--cached-only'];

/** Runs `deno <args>` in the copy's function folder; resolves with its output. */
export async function denoInCopy(copy: StarterCopy, args: readonly string[]): Promise<string> {
  const { stdout, stderr } = await exec(copy.deno, [...args], {
    cwd: copy.functionDir,
    env: copy.denoEnv,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout + stderr;
}

export interface ServedCopy {
  url: string;
  process: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * The copy's function in Deno, reading nothing outside the copy (`--allow-read` is the copy
 * alone). Resolves once it listens.
 */
export async function serveCopy(
  copy: StarterCopy,
  env: Record<string, string>,
): Promise<ServedCopy> {
  const child = spawn(
    copy.deno,
    ['run', ...DENO_FLAGS, '--allow-net', '--allow-env', `--allow-read=${copy.dir}`, 'index.ts'],
    { cwd: copy.functionDir, env: { ...copy.denoEnv, PORT: '0', ...env } },
  );
  process.once('exit', () => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Deno did not start:\n${stderr}`)), 60_000);
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
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * A Deno script for the copy's function folder: builds the function with no environment and
 * prints whether the error it throws is the `JobGateError` of `@jobgate/core` the tools import.
 */
export const IDENTITY_PROBE = `import { JobGateError, isJobGateError } from '@jobgate/core';
import { supabaseFunction } from '@jobgate/supabase/function';
import { tools } from '../_shared/tools.ts';
try {
  supabaseFunction({ tools, env: () => undefined });
  console.log(JSON.stringify({ started: true }));
} catch (error) {
  console.log(JSON.stringify({
    instanceOf: error instanceof JobGateError,
    isJobGateError: isJobGateError(error),
    message: String((error as Error).message),
  }));
}
`;

/** A Node script for the copy: where the front end's entries resolve, and what they export. */
export const FRONT_END_PROBE = `
const out = {};
for (const entry of ['@jobgate/react', '@jobgate/core/client', '@jobgate/supabase/browser']) {
  out[entry] = { at: import.meta.resolve(entry), names: Object.keys(await import(entry)) };
}
console.log(JSON.stringify(out));`;

export interface DevRun {
  /** A value of the summary it printed (`function`, `SUPABASE_URL`, `token for alice`). */
  field(label: string): string;
  /** Ctrl-C: resolves when it has exited. */
  interrupt(): Promise<void>;
  /** Ends what is left of it. */
  kill(): void;
}

/** `npm run dev` in the copy, as its README runs it; resolves once it printed its summary. */
export async function devInCopy(copy: StarterCopy): Promise<DevRun> {
  const child = spawn('npm', ['run', 'dev', '--', '--port', '0', '--web-port', '0'], {
    cwd: copy.dir,
    env: copy.denoEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: Ctrl-C reaches npm, tsx and Deno alike.
    detached: true,
  });
  let out = '';
  const collect = (chunk: Buffer) => {
    out += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const kill = () => {
    if (running()) process.kill(-child.pid!, 'SIGKILL');
  };
  const started = Date.now();
  while (!/Ctrl-C stops it/.test(out)) {
    if (!running() || Date.now() - started > 60_000) {
      kill();
      throw new Error(`npm run dev did not start in the copy:\n${out}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    field: (label) => new RegExp(`${label}\\s+(\\S+)`).exec(out)?.[1] ?? '',
    async interrupt() {
      if (running()) process.kill(-child.pid!, 'SIGINT');
      await exited;
    },
    kill,
  };
}
