import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_CAP } from './demoSettings.js';
import { startApp } from './startApp.js';

const HELP = `Usage: npm start -- [options]

Starts the local web app: the AI tools of src/tools on jobgate, a live queue panel and chaos
controls, on an embedded PGlite store and a simulated RunningHub. Open the URL it prints.

Options:
  --port <n>       port to listen on (default 5173; 0 picks a free one)
  --host <name>    interface (default 127.0.0.1)
  --store <kind>   pglite (embedded Postgres in .tmp/web/pglite, the default) | memory
  --cap <n>        running jobs at once (default 3); --cap 1 shows the queue with two windows
  --dev-auth       allow the password-less demo sign-in on a shared store
  --simulate       the headless terminal simulation instead (see --simulate --help)
  --json           the headless simulation's report as JSON (implies --simulate)
  --help           this text
`;

const started = performance.now();
const argv = process.argv.slice(2);
const repoDir = fileURLToPath(new URL('../../../..', import.meta.url));

if (argv.includes('--simulate') || argv.includes('--json')) {
  // Today's headless simulation, its options and report unchanged.
  process.argv = [...process.argv.slice(0, 2), ...argv.filter((a) => a !== '--simulate')];
  await import(new URL('../../../demo/src/main.ts', import.meta.url).href);
} else {
  const options = {
    port: 5173,
    host: '127.0.0.1',
    store: 'pglite' as 'pglite' | 'memory',
    devAuth: false,
    cap: DEMO_CAP,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => argv[++i] ?? fail(`${arg} needs a value`);
    if (arg === '--port') options.port = Number(value());
    else if (arg === '--host') options.host = value();
    else if (arg === '--store') {
      const v = value();
      if (v !== 'pglite' && v !== 'memory') fail('--store must be pglite or memory');
      options.store = v as 'pglite' | 'memory';
    } else if (arg === '--cap') {
      options.cap = Number(value());
      if (!Number.isInteger(options.cap) || options.cap < 1)
        fail('--cap must be a whole number ≥ 1');
    } else if (arg === '--dev-auth') options.devAuth = true;
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(HELP);
      process.exit(0);
    } else fail(`unknown option ${arg} (try --help)`);
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    fail('--port must be 0..65535');
  }
  const tmpDir = join(repoDir, '.tmp', 'web');
  const app = await startApp({
    tmpDir,
    port: options.port,
    host: options.host,
    store: options.store,
    pgliteDir: options.store === 'pglite' ? join(tmpDir, 'pglite') : null,
    devAuth: options.devAuth,
    cap: options.cap,
    log: (line) => process.stdout.write(`${line}\n`),
    onListening: (url) => process.stdout.write(`jobgate web app: open ${url}\n`),
  });
  process.stdout.write(
    `ready in ${Math.round(performance.now() - started)} ms (${options.store} store, cap ${options.cap}, simulated RunningHub); Ctrl+C stops it\n`,
  );
  const stop = () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
