import {
  describeLifecycleProperty,
  describeStoreConformance,
  describeWith,
  type StoreHarness,
} from '@jobgate/testkit';
import { PostgresBilling } from '../postgresBilling.js';
import type { PostgresStore } from '../postgresStore.js';
import { pgliteHarness, serverHarness } from './pgHarness.js';

/** I5 is checked against the ledger in the same database as the jobs. */
const billing = async (h: StoreHarness) => {
  const store = h.store as PostgresStore;
  return new PostgresBilling(store.client, { schema: store.schema });
};

describeStoreConformance('PostgresStore on PGlite', pgliteHarness);
describeLifecycleProperty('PostgresStore on PGlite', pgliteHarness, {
  billing,
  numRuns: Number(process.env.JOBGATE_PROPERTY_RUNS ?? 60),
});

describeWith('postgres', 'on the PostgreSQL server', () => {
  describeStoreConformance('PostgresStore on PostgreSQL (postgres.js)', serverHarness);
  describeLifecycleProperty('PostgresStore on PostgreSQL (postgres.js)', serverHarness, {
    billing,
    numRuns: Number(process.env.JOBGATE_PROPERTY_RUNS ?? 60),
  });
});
