import postgres from 'postgres';
import { SUPABASE_DIR } from '../../../../examples/supabase/local/serveFunction.ts';
import { applyMigrations, type LocalSupabase, startLocalSupabase } from '../local.js';

/**
 * The bucket the starter's migration creates (examples/supabase/supabase/migrations/
 * 20260201000100_app.sql) and its front end uploads to, where the function keeps the results
 * too: JOBGATE_STORAGE_BUCKET's default. The tests that run the starter's function give it
 * explicitly, so a change of either side shows here.
 */
export const STARTER_BUCKET = 'job-files';

/**
 * The starter's Supabase project for a test: a fresh database on the PostgreSQL server
 * (`DATABASE_URL`) with the starter's migrations (and seed) applied, served by the local
 * stand-in. `drop()` stops it and drops the database.
 */
export async function starterProject(options: {
  name: string;
  jwtSecret: string;
  seed?: boolean;
}): Promise<{ local: LocalSupabase; drop(): Promise<void> }> {
  const database = `${options.name}_${process.pid}_${Math.random().toString(36).slice(2, 7)}`;
  const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database ${database}`);
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${database}`;
  let local: LocalSupabase | undefined;
  const drop = async () => {
    await local?.close();
    await admin.unsafe(`drop database if exists ${database} with (force)`);
    await admin.end();
  };
  try {
    local = await startLocalSupabase({
      databaseUrl: url.toString(),
      jwtSecret: options.jwtSecret,
      // The credit balance and ledger a signed-in user reads under RLS.
      tables: ['jobgate_credit_balances', 'jobgate_credit_ledger'],
      buckets: [STARTER_BUCKET],
    });
    await applyMigrations(local.db, SUPABASE_DIR, { seed: options.seed ?? true });
    return { local, drop };
  } catch (error) {
    await drop();
    throw error;
  }
}
