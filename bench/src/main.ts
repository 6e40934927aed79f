/**
 * `npm run bench`: the side-by-side benchmark. Prints each figure as it is measured and
 * writes docs/benchmarks.md, docs/benchmarks.json and docs/benchmarks-handoff.svg.
 */
import { readFile } from 'node:fs/promises';
import { benchNotes } from './benchNotes.js';
import { parseBenchOptions, USAGE } from './benchOptions.js';
import { type BenchResult, runBench } from './runBench.js';
import { writeReport } from './writeReport.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let options: ReturnType<typeof parseBenchOptions>;
  try {
    options = parseBenchOptions(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    if (!(error instanceof Error && error.message === USAGE)) process.exitCode = 2;
    return;
  }
  // From the repository root; `npm run bench -- --x` would hand --x to npm itself.
  const command = argv.length
    ? `npm run bench -w @jobgate/bench -- ${argv.join(' ')}`
    : 'npm run bench';
  const result: BenchResult = options.fromJson
    ? (JSON.parse(await readFile(options.fromJson, 'utf8')) as BenchResult)
    : await runBench(options, command);
  if (options.outDir) {
    const files = await writeReport(result, options.outDir, benchNotes(result));
    process.stderr.write(`wrote ${files.join(', ')}\n`);
  } else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (result.runs.some((r) => r.error)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
