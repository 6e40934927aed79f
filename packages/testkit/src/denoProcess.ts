import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Deno for tests, hermetic: it runs from the `deno` npm package already installed, resolves
 * every `npm:` and bare import from the repository's own node_modules (`--node-modules-dir=manual`)
 * and is started with `--cached-only` and an empty DENO_DIR of its own, so it never downloads
 * anything and never depends on a cache an earlier run left behind. The proxy and certificate
 * variables are passed through all the same, for code under test that calls out.
 */
export function denoBinary(): string {
  // npm 11 skips the deno package's postinstall; its installer API links the binary from the
  // platform package (@deno/linux-x64-glibc etc.) that npm did install.
  const require = createRequire(import.meta.url);
  const install = require('deno/install_api.cjs') as { runInstall(): string };
  return install.runInstall();
}

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

export interface DenoProcess {
  readonly child: ChildProcess;
  /** Everything Deno wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; removes the temporary DENO_DIR. */
  stop(graceMs?: number): Promise<void>;
}

export interface DenoRunOptions {
  /** The script to run. */
  script: string;
  /** A deno.json (import map, nodeModulesDir). */
  config?: string;
  cwd: string;
  /** Variables for the script, added to the pass-through ones. */
  env?: Record<string, string>;
  /** Permissions; all of net/env/read/sys by default. */
  permissions?: readonly string[];
}

export function runDeno(options: DenoRunOptions): DenoProcess {
  const denoDir = mkdtempSync(join(tmpdir(), 'jobgate-deno-'));
  const env: Record<string, string> = {};
  for (const name of PASSED_THROUGH) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  if (process.env.NODE_EXTRA_CA_CERTS && !env.DENO_CERT)
    env.DENO_CERT = process.env.NODE_EXTRA_CA_CERTS;
  Object.assign(env, {
    HOME: denoDir,
    DENO_DIR: join(denoDir, 'cache'),
    DENO_TLS_CA_STORE: 'system',
    DENO_NO_UPDATE_CHECK: '1',
    NO_COLOR: '1',
    ...options.env,
  });
  const args = [
    'run',
    '--cached-only',
    '--node-modules-dir=manual',
    ...(options.permissions ?? ['--allow-net', '--allow-env', '--allow-read', '--allow-sys']),
    ...(options.config ? ['--config', options.config] : []),
    options.script,
  ];
  const child = spawn(denoBinary(), args, {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return {
    child,
    stderr: () => stderr,
    async stop(graceMs = 5_000) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      rmSync(denoDir, { recursive: true, force: true });
    },
  };
}
