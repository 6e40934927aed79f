import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type JobStore, MemoryStore } from '@jobgate/core';
import { type DemoOptions, parseDemoOptions } from './demoOptions.js';
import { demoPassed, renderLive, renderReport } from './liveView.js';
import { runSimulation } from './simulation.js';

async function openStore(
  kind: DemoOptions['store'],
): Promise<{ store: JobStore; close: () => Promise<void> }> {
  if (kind === 'memory') {
    const store = new MemoryStore();
    return { store, close: () => store.close() };
  }
  // PGlite in memory, started from a migrated snapshot kept in .tmp/ (initdb runs once).
  const { createPgliteSnapshot, createPgliteStore, functionsMigration, numberedMigrations } =
    await import('@jobgate/postgres');
  // Named after the schema it holds: the last numbered migration and the functions' checksum.
  const schemaKey = `${numberedMigrations().at(-1)?.version}-${functionsMigration().checksum.slice(0, 12)}`;
  const snapshot = join('.tmp', `demo-pglite-${schemaKey}.tar.gz`);
  if (!existsSync(snapshot)) {
    mkdirSync(dirname(snapshot), { recursive: true });
    writeFileSync(snapshot, Buffer.from(await (await createPgliteSnapshot()).arrayBuffer()));
  }
  // The simulation runs on a virtual clock: the store takes its time from the calls.
  const store = await createPgliteStore({
    loadDataDir: new Blob([readFileSync(snapshot)]),
    clock: 'caller',
  });
  return { store, close: () => store.close() };
}

async function main(): Promise<void> {
  let options: DemoOptions;
  try {
    options = parseDemoOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  const { store, close } = await openStore(options.store);
  const tty = process.stdout.isTTY === true && !options.json;
  const header = `jobgate demo · ${options.store} store · ${options.users} users · seed ${options.seed}`;
  let drawn = 0;
  let lastLine = 0;
  let lastReal = performance.now();
  let lastSim = 0;
  const report = await runSimulation({
    duration: options.duration,
    users: options.users,
    seed: options.seed,
    storeName: options.store,
    store,
    onTick: options.json
      ? undefined
      : async (state) => {
          const lines = renderLive(state, header);
          if (tty) {
            if (drawn > 0) process.stdout.write(`\x1b[${drawn}A`);
            process.stdout.write(`${lines.join('\n')}\n`);
            drawn = lines.length;
            // Pace the simulated clock for the eye.
            const wantReal = (state.now - lastSim) / options.speed;
            const elapsed = performance.now() - lastReal;
            if (wantReal > elapsed) await new Promise((r) => setTimeout(r, wantReal - elapsed));
            lastReal = performance.now();
            lastSim = state.now;
          } else if (state.now - lastLine >= 10_000) {
            // Not a terminal: one summary line every 10 simulated seconds.
            lastLine = state.now;
            process.stdout.write(
              `${lines[1]!.trim()} | ${lines[2]!.slice(8).trim()} | queue ${state.queue.length}\n`,
            );
          }
        },
  });
  await close();
  if (options.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    process.stdout.write(renderReport(report));
  }
  process.exitCode = demoPassed(report) ? 0 : 1;
}

main().catch((error) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
