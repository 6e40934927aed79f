import {
  describeLifecycleProperty,
  describeStoreConformance,
  describeWith,
} from '@jobgate/testkit';
import { pgliteHarness, serverHarness } from './pgHarness.js';

describeStoreConformance('PostgresStore on PGlite', pgliteHarness);
describeLifecycleProperty('PostgresStore on PGlite', pgliteHarness, {
  numRuns: Number(process.env.JOBGATE_PROPERTY_RUNS ?? 60),
});

describeWith('postgres', 'on the PostgreSQL server', () => {
  describeStoreConformance('PostgresStore on PostgreSQL (postgres.js)', serverHarness);
  describeLifecycleProperty('PostgresStore on PostgreSQL (postgres.js)', serverHarness, {
    numRuns: Number(process.env.JOBGATE_PROPERTY_RUNS ?? 60),
  });
});
