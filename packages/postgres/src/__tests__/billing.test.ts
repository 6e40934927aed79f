import { PGlite } from '@electric-sql/pglite';
import { describeBillingConformance, describeWith } from '@jobgate/testkit';
import postgres from 'postgres';
import { migrate } from '../migrate.js';
import { pgliteClient } from '../pgliteClient.js';
import { PostgresBilling } from '../postgresBilling.js';
import { postgresJsClient } from '../postgresJsClient.js';
import type { SqlClient } from '../sqlClient.js';
import { sqlErrorToJobGateError } from '../sqlError.js';
import { DATABASE_URL, freshSchema } from './pgHarness.js';

/** Each statement tries to rewrite the ledger; the first refusal is the answer. */
const tamper = (client: SqlClient, schema: string) => async () => {
  for (const sql of [
    `UPDATE "${schema}".jobgate_credit_ledger SET amount = amount * 2`,
    `DELETE FROM "${schema}".jobgate_credit_ledger`,
    `TRUNCATE "${schema}".jobgate_credit_ledger`,
  ]) {
    try {
      await client.query(sql);
    } catch (error) {
      const e = sqlErrorToJobGateError(error);
      if (e.code !== 'FORBIDDEN') throw e;
      continue;
    }
    throw new Error(`the ledger accepted: ${sql}`);
  }
  throw sqlErrorToJobGateError({ message: 'JOBGATE:FORBIDDEN:every rewrite was refused' });
};

describeBillingConformance(
  'PostgresBilling on PGlite',
  async () => {
    const db = await PGlite.create();
    const client = pgliteClient(db);
    const schema = freshSchema('bill');
    await migrate(client, { schema });
    return {
      ledger: async (buckets) => new PostgresBilling(client, { schema, buckets }),
      tamper: tamper(client, schema),
      close: () => db.close(),
    };
  },
  { tamper: true },
);

describeWith('postgres', 'on the PostgreSQL server', () => {
  describeBillingConformance(
    'PostgresBilling on PostgreSQL (postgres.js)',
    async () => {
      const sql = postgres(DATABASE_URL!, { max: 8, prepare: false, onnotice: () => undefined });
      const client = postgresJsClient(sql);
      const schema = freshSchema('bill');
      await migrate(client, { schema });
      return {
        ledger: async (buckets) => new PostgresBilling(client, { schema, buckets }),
        tamper: tamper(client, schema),
        close: async () => {
          await client.query(`DROP SCHEMA "${schema}" CASCADE`);
          await sql.end({ timeout: 5 });
        },
      };
    },
    { tamper: true },
  );
});
