import { type ParseArgsConfig, parseArgs } from 'node:util';
import { startRunningHubSimulator } from './runningHubSimulator.js';

/** The help of `jobgate-runninghub-sim`: it lists exactly the flags of SIM_OPTIONS (a test checks it). */
export const HELP = `jobgate-runninghub-sim: a simulated RunningHub OpenAPI on loopback

Options:
  --port <n>               port (default 0: a free one)
  --host <addr>            host (default 127.0.0.1)
  --seed <n>               seed of every random choice (default 1)
  --concurrency <n>        account task limit; starts past it answer 421 (default 3)
  --api-key <key>          accepted key, repeatable (default sim-key)
  --latency <min,max>      answer delay in ms (default 0,0)
  --duration <min,max>     task run time in ms (default 2000,6000)
  --queue <min,max>        time a task stays QUEUED in ms (default 0,0)
  --fail-rate <0..1>       tasks that end FAILED
  --busy-rate <0..1>       starts answered 421 although there is room
  --transient-rate <0..1>  calls answered HTTP 503
  --lost-webhook-rate <0..1>       callbacks never sent
  --duplicate-webhook-rate <0..1>  callbacks sent twice
  -h, --help               show this help
`;

/** The flags `jobgate-runninghub-sim` accepts. */
export const SIM_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  seed: { type: 'string' },
  concurrency: { type: 'string' },
  'api-key': { type: 'string', multiple: true },
  latency: { type: 'string' },
  duration: { type: 'string' },
  queue: { type: 'string' },
  'fail-rate': { type: 'string' },
  'busy-rate': { type: 'string' },
  'transient-rate': { type: 'string' },
  'lost-webhook-rate': { type: 'string' },
  'duplicate-webhook-rate': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

function range(value: string | undefined, fallback: [number, number]): [number, number] {
  if (!value) return fallback;
  const [lo, hi] = value.split(',').map(Number);
  if (lo === undefined || !Number.isFinite(lo)) throw new Error(`bad range "${value}"`);
  return [lo, hi !== undefined && Number.isFinite(hi) ? hi : lo];
}

function rate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new Error(`a rate is a number in 0..1, got "${value}"`);
  return n;
}

/**
 * Runs the command line `argv` (without node and the script). Resolves to the exit code once the
 * simulator listens (it then serves until SIGINT or SIGTERM), or at once for `--help` and errors.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let values: SimValues;
  try {
    values = parseArgs({ args: [...argv], options: SIM_OPTIONS }).values;
  } catch (error) {
    process.stderr.write(`jobgate-runninghub-sim: ${messageOf(error)}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  try {
    return await serve(values);
  } catch (error) {
    process.stderr.write(`jobgate-runninghub-sim: ${messageOf(error)}\n`);
    return 1;
  }
}

type SimValues = ReturnType<typeof parseArgs<{ options: typeof SIM_OPTIONS }>>['values'];
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function serve(values: SimValues): Promise<number> {
  const rates = {
    fail: rate(values['fail-rate']),
    busy: rate(values['busy-rate']),
    transient: rate(values['transient-rate']),
    lostWebhook: rate(values['lost-webhook-rate']),
    duplicateWebhook: rate(values['duplicate-webhook-rate']),
  };
  const sim = await startRunningHubSimulator({
    port: values.port ? Number(values.port) : 0,
    host: values.host ?? '127.0.0.1',
    seed: values.seed ? Number(values.seed) : 1,
    concurrency: values.concurrency ? Number(values.concurrency) : 3,
    apiKeys: values['api-key'] ?? ['sim-key'],
    latencyMs: range(values.latency, [0, 0]),
    durationMs: range(values.duration, [2_000, 6_000]),
    queueMs: range(values.queue, [0, 0]),
    rates: Object.fromEntries(Object.entries(rates).filter(([, v]) => v !== undefined)),
  });
  process.stdout.write(`simulated RunningHub listening on ${sim.url}\n`);
  const stop = () => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return 0;
}
