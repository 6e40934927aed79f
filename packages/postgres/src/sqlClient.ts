/** Runs statements on one connection (a transaction) or on any connection (a pool). */
export interface SqlExecutor {
  /** One statement with `$1…` parameters; returns the rows. */
  query<T extends object = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
  ): Promise<T[]>;
  /** A script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

/** What a SQL client can do beyond running statements. */
export interface SqlClientCapabilities {
  /**
   * `listen` delivers NOTIFY payloads. False for a client that cannot (its `listen` rejects
   * with a JobGateError): PostgresStore's `subscribe` then polls instead.
   */
  readonly listen: boolean;
}

/**
 * The tiny SQL-client port PostgresStore runs on. The store only ever sends one statement
 * per operation (a call of a jobgate SQL function), so any pool works, including a
 * transaction pooler (Supabase port 6543, PgBouncer): no session state, no prepared
 * statements. `transaction` is needed by `migrate` only; `listen` lets `subscribe` use
 * LISTEN/NOTIFY instead of polling where `capabilities.listen` is true.
 */
export interface SqlClient extends SqlExecutor {
  readonly capabilities: SqlClientCapabilities;
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** LISTEN on a channel; resolves once listening, with the function that stops it. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /** Closes the underlying connection(s). */
  close(): Promise<void>;
}
