#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { migrate } from './migrate.js';
import { postgresJsClient } from './postgresJsClient.js';

const USAGE = `usage: jobgate-postgres migrate --url postgres://… [--schema public]

  migrate   apply the pending jobgate migrations (idempotent, safe to run concurrently)
  --url     connection string (default: $DATABASE_URL)
  --schema  target schema, created if missing (default: public)`;

export async function main(argv: readonly string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      schema: { type: 'string', default: 'public' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const url = values.url ?? process.env.DATABASE_URL;
  if (values.help || positionals[0] !== 'migrate' || !url) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const { default: postgres } = await import('postgres');
  const client = postgresJsClient(
    postgres(url, { max: 1, prepare: false, onnotice: () => undefined }),
  );
  try {
    const { applied } = await migrate(client, { schema: values.schema });
    console.log(
      applied.length > 0
        ? `jobgate: applied migrations ${applied.join(', ')} to schema ${values.schema}`
        : `jobgate: schema ${values.schema} is up to date`,
    );
    return 0;
  } catch (error) {
    console.error(
      `jobgate: migrate failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  } finally {
    await client.close?.();
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
