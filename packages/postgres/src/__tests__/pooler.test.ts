// Through a transaction pooler (PgBouncer pool_mode=transaction, like Supabase's port 6543):
// every store call is one statement, so one transaction, with no session state and no
// prepared statements. Runs when JOBGATE_POOLER_URL points at such a pooler; LISTEN goes to
// the direct connection (DATABASE_URL), as it must behind a pooler.
import {
  describeLifecycleProperty,
  describeStoreConformance,
  describeWith,
} from '@jobgate/testkit';
import { DATABASE_URL, serverHarness } from './pgHarness.js';

const POOLER_URL = process.env.JOBGATE_POOLER_URL;

describeWith('pooler', 'through a transaction pooler', () => {
  describeStoreConformance('PostgresStore via PgBouncer (transaction mode)', () =>
    serverHarness(POOLER_URL!, { listenUrl: DATABASE_URL! }),
  );
  describeLifecycleProperty(
    'PostgresStore via PgBouncer (transaction mode)',
    () => serverHarness(POOLER_URL!, { listenUrl: DATABASE_URL! }),
    { numRuns: Number(process.env.JOBGATE_PROPERTY_RUNS ?? 60) },
  );
});
