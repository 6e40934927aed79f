/**
 * The SQL type of a parameter. A trailing `?` marks a parameter with a SQL DEFAULT: left out
 * of the call when its value is `undefined`, so the function's default applies.
 */
type ParamType = 'text' | 'jsonb' | 'bigint' | 'int' | 'numeric' | 'float' | 'bool';
type Param = ParamType | `${ParamType}?`;

/**
 * Every jobgate SQL function that PostgresStore, SupabaseStore and PostgresBilling call, with
 * its parameters in declaration order: the one place the TypeScript side names them. A test
 * checks each entry against `sql/*.sql` (names, order, types and defaults), so a change of a
 * signature there fails until this table follows.
 */
export const SQL_FUNCTIONS = {
  // JobStore: lifecycle.sql, slots.sql, heal.sql, reads.sql
  jobgate_create: {
    p_id: 'text',
    p_tool: 'text',
    p_user_id: 'text',
    p_pool: 'text',
    p_input: 'jsonb',
    p_user_credit_cost: 'numeric',
    p_max_active: 'int',
    p_now: 'bigint',
    p_limits: 'jsonb?',
  },
  jobgate_create_failed: {
    p_id: 'text',
    p_tool: 'text',
    p_user_id: 'text',
    p_pool: 'text',
    p_input: 'jsonb',
    p_user_credit_cost: 'numeric',
    p_error_code: 'text',
    p_error_message: 'text',
    p_now: 'bigint',
  },
  jobgate_get: { p_id: 'text' },
  jobgate_start: { p_id: 'text', p_limits: 'jsonb', p_now: 'bigint' },
  jobgate_attach_task: { p_id: 'text', p_task_id: 'text', p_now: 'bigint' },
  jobgate_progress: { p_id: 'text', p_progress: 'float', p_now: 'bigint' },
  jobgate_requeue: {
    p_id: 'text',
    p_limits: 'jsonb',
    p_now: 'bigint',
    p_retry_at: 'bigint',
    p_error_code: 'text',
    p_error_message: 'text',
    p_provider_input: 'jsonb?',
  },
  jobgate_finish: {
    p_id: 'text',
    p_status: 'text',
    p_output: 'jsonb',
    p_error_code: 'text',
    p_error_message: 'text',
    p_from: 'jsonb',
    p_limits: 'jsonb',
    p_now: 'bigint',
    p_task_id: 'text?',
  },
  jobgate_promote: { p_limits: 'jsonb', p_now: 'bigint' },
  jobgate_heal: {
    p_limits: 'jsonb',
    p_now: 'bigint',
    p_stale_start_ms: 'bigint',
    p_lost_start_ms: 'bigint',
    p_max_queue_ms: 'bigint?',
    p_pool: 'text?',
    p_lease_ms: 'bigint?',
  },
  jobgate_set_credit_state: { p_id: 'text', p_from: 'text', p_to: 'text', p_now: 'bigint' },
  jobgate_claim_refund: { p_id: 'text', p_now: 'bigint', p_stale_ms: 'bigint' },
  jobgate_renew_leases: { p_ids: 'jsonb', p_until: 'bigint', p_now: 'bigint' },
  jobgate_record_late_output: {
    p_id: 'text',
    p_task_id: 'text',
    p_output: 'jsonb',
    p_now: 'bigint',
  },
  jobgate_find_active: { p_user_id: 'text' },
  jobgate_list: {
    p_user_id: 'text?',
    p_status: 'jsonb?',
    p_tool: 'text?',
    p_limit: 'int?',
    p_credit_state: 'text?',
  },
  jobgate_queue: { p_pool: 'text?' },
  jobgate_counts: { p_pool: 'text' },
  // PostgresBilling: billing.sql
  jobgate_credits_charge: {
    p_job_id: 'text',
    p_user_id: 'text',
    p_amount: 'numeric',
    p_buckets: 'jsonb',
    p_tool: 'text?',
  },
  jobgate_credits_refund: { p_job_id: 'text', p_user_id: 'text' },
  jobgate_credits_grant: {
    p_user_id: 'text',
    p_bucket: 'text',
    p_amount: 'numeric',
    p_note: 'text?',
  },
  jobgate_credits_adjust: {
    p_user_id: 'text',
    p_bucket: 'text',
    p_delta: 'numeric',
    p_note: 'text?',
    p_set: 'bool?',
  },
  jobgate_credits_balance: { p_user_id: 'text' },
  jobgate_credits_ledger: { p_user_id: 'text?', p_job_id: 'text?', p_limit: 'int?' },
  jobgate_credits_record_cost: {
    p_job_id: 'text',
    p_user_id: 'text',
    p_tool: 'text',
    p_cost: 'numeric',
    p_unit: 'text',
  },
} as const satisfies Record<string, Record<string, Param>>;

export type SqlFunctionName = keyof typeof SQL_FUNCTIONS;

type Spec<F extends SqlFunctionName> = (typeof SQL_FUNCTIONS)[F];
type ValueOf<P> = P extends `text${string}`
  ? string
  : P extends `jsonb${string}`
    ? unknown
    : P extends `bool${string}`
      ? boolean
      : number;
type Optional<F extends SqlFunctionName> = {
  [K in keyof Spec<F>]: Spec<F>[K] extends `${string}?` ? K : never;
}[keyof Spec<F>];

/**
 * The arguments of a call, by parameter name. `undefined` is SQL NULL (or the default, for a
 * parameter that has one); for a jsonb parameter `null` is the JSON value null.
 */
export type SqlArgs<F extends SqlFunctionName> = {
  [K in Exclude<keyof Spec<F>, Optional<F>>]: ValueOf<Spec<F>[K]> | null | undefined;
} & {
  [K in Optional<F>]?: ValueOf<Spec<F>[K]> | null | undefined;
};

/** One call of a jobgate SQL function: what a store or PostgresBilling sends. */
export interface SqlCall<F extends SqlFunctionName = SqlFunctionName> {
  fn: F;
  args: SqlArgs<F>;
}

export function sqlCall<F extends SqlFunctionName>(fn: F, args: SqlArgs<F>): SqlCall<F> {
  return { fn, args };
}

const CAST: Record<ParamType, string> = {
  text: '::text',
  jsonb: '::text::jsonb',
  bigint: '::bigint',
  int: '::integer',
  numeric: '::numeric',
  float: '::double precision',
  bool: '::boolean',
};

/** The parameters a call passes, in declaration order, with their type. */
function* passed(call: SqlCall): Generator<[name: string, value: unknown, type: ParamType]> {
  const args = call.args as Record<string, unknown>;
  for (const [name, param] of Object.entries(SQL_FUNCTIONS[call.fn]) as [string, Param][]) {
    const value = args[name];
    const optional = param.endsWith('?');
    if (value === undefined && optional) continue;
    yield [name, value, (optional ? param.slice(0, -1) : param) as ParamType];
  }
}

/**
 * The call as one SQL statement for a SqlClient: named notation with positional `$n`
 * parameters and a cast each (JSON travels as text), result in column `r`. `schema` is a
 * name `checkSchema` accepts.
 */
export function toSqlQuery(call: SqlCall, schema: string): { text: string; params: unknown[] } {
  const list: string[] = [];
  const params: unknown[] = [];
  for (const [name, value, type] of passed(call)) {
    params.push(value === undefined ? null : type === 'jsonb' ? JSON.stringify(value) : value);
    list.push(`${name} => $${params.length}${CAST[type]}`);
  }
  return { text: `SELECT "${schema}".${call.fn}(${list.join(', ')}) AS r`, params };
}

/** The call's named arguments for PostgREST, `.rpc(call.fn, toRpcArgs(call))` in supabase-js. */
export function toRpcArgs(call: SqlCall): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [name, value] of passed(call)) args[name] = value ?? null;
  return args;
}
