import type { SqlExecutor } from './sqlClient.js';
import { sqlErrorToJobGateError } from './sqlError.js';
import { type SqlCall, toSqlQuery } from './sqlFunctions.js';

/**
 * How SqlStore reaches the jobgate SQL functions: one call, one transaction. `call` resolves
 * with the function's JSON value or rejects with a JobGateError. Two exist: `sqlClientTransport`
 * (a SqlClient: postgres.js, pg, PGlite; positional parameters) and the PostgREST `.rpc`
 * transport of @jobgate/supabase (named arguments).
 */
export interface SqlTransport {
  call<T>(call: SqlCall): Promise<T>;
}

/** The job a call is about (its `p_id`), for errors that do not name one. */
const jobIdOf = (call: SqlCall): string | undefined => {
  const id = (call.args as { p_id?: unknown }).p_id;
  return typeof id === 'string' ? id : undefined;
};

/**
 * The transport over a SqlClient: each call is one `SELECT "<schema>".fn(...) AS r` (see
 * `toSqlQuery`), so any pool works, a transaction pooler too. `schema` is a name
 * `checkSchema` accepts.
 */
export function sqlClientTransport(
  client: Pick<SqlExecutor, 'query'>,
  schema: string,
): SqlTransport {
  return {
    async call<T>(call: SqlCall): Promise<T> {
      const { text, params } = toSqlQuery(call, schema);
      try {
        const rows = await client.query<{ r: T }>(text, params);
        return rows[0]!.r;
      } catch (error) {
        throw sqlErrorToJobGateError(error, jobIdOf(call));
      }
    },
  };
}
