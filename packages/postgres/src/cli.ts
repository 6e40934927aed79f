import { type ParseArgsConfig, parseArgs } from 'node:util';
import { migrate } from './migrate.js';
import { postgresJsClient } from './postgresJsClient.js';

/** The flags `jobgate-postgres` accepts; USAGE lists exactly these (a test checks it). */
export const CLI_OPTIONS = {
  url: { type: 'string' },
  schema: { type: 'string', default: 'public' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const USAGE = `usage: jobgate-postgres migrate --url postgres://… [--schema public]

  migrate     apply the pending jobgate migrations, then the functions if they changed
              (idempotent, safe to run concurrently)
  --url       connection string (default: $DATABASE_URL)
  --schema    target schema, created if missing (default: public)
  -h, --help  show this help
`;

/** Runs the command line `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof CLI_OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: CLI_OPTIONS });
  } catch (error) {
    console.error(`jobgate-postgres: ${error instanceof Error ? error.message : String(error)}`);
    console.error(USAGE);
    return 2;
  }
  const { positionals, values } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const url = values.url ?? process.env.DATABASE_URL;
  if (positionals[0] !== 'migrate' || !url) {
    console.error(USAGE);
    return 2;
  }
  const { default: postgres } = await import('postgres');
  const client = postgresJsClient(
    postgres(url, { max: 1, prepare: false, onnotice: () => undefined, fetch_types: false }),
  );
  try {
    const { applied, functionsApplied } = await migrate(client, { schema: values.schema });
    const what = [
      ...(applied.length > 0 ? [`migrations ${applied.join(', ')}`] : []),
      ...(functionsApplied ? ['the functions (sql/)'] : []),
    ];
    console.log(
      what.length > 0
        ? `jobgate: applied ${what.join(' and ')} to schema ${values.schema}`
        : `jobgate: schema ${values.schema} is up to date`,
    );
    return 0;
  } catch (error) {
    console.error(
      `jobgate: migrate failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  } finally {
    await client.close();
  }
}
