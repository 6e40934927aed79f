export interface DemoOptions {
  /** Simulated seconds during which users click. */
  duration: number;
  users: number;
  seed: number;
  json: boolean;
  store: 'memory' | 'pglite';
  /** Simulated time per real second in the live view (the JSON mode runs flat out). */
  speed: number;
}

const HELP = `Usage: npm start -- [options]

A live simulation of jobgate: four AI tools, many users clicking (double clicks
included), a simulated provider injecting rate limits, invalid input, busy answers,
failures, lost webhooks and requests that die midway. Global cap: 3 running jobs.

Options:
  --duration <s>   simulated seconds of clicking (default 60)
  --users <n>      simulated users (default 12)
  --seed <n>       random seed: the same seed gives the same run (default 1)
  --store <kind>   pglite (embedded Postgres, the default) | memory
  --speed <x>      simulated seconds per real second in the live view (default 8)
  --json           print only the final report, as one JSON object
  --help           this text
`;

export function parseDemoOptions(argv: readonly string[]): DemoOptions {
  const options: DemoOptions = {
    duration: 60,
    users: 12,
    seed: 1,
    json: false,
    store: 'pglite',
    speed: 8,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    const number = (min: number, max: number) => {
      const n = Number(value());
      if (!Number.isFinite(n) || n < min || n > max)
        throw new Error(`${arg} must be a number from ${min} to ${max}`);
      return n;
    };
    switch (arg) {
      case '--duration':
        options.duration = number(1, 3600);
        break;
      case '--users':
        options.users = Math.round(number(1, 500));
        break;
      case '--seed':
        options.seed = Math.round(number(0, 2 ** 31));
        break;
      case '--speed':
        options.speed = number(0.1, 1000);
        break;
      case '--store': {
        const v = value();
        if (v !== 'memory' && v !== 'pglite') throw new Error('--store must be memory or pglite');
        options.store = v;
        break;
      }
      case '--json':
        options.json = true;
        break;
      case '--help':
      case '-h':
        process.stdout.write(HELP);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg} (try --help)`);
    }
  }
  return options;
}
