import type { Job } from '@jobgate/core';
import { type JobChange, type JobRow, jobFromRow } from '@jobgate/core/adapter';
import type { SqlStoreFeed } from '@jobgate/postgres';
import type { SupabaseClient } from '@supabase/supabase-js';

export interface SupabaseChangeFeedOptions {
  client: SupabaseClient;
  schema: string;
  table: string;
  /** Also deliver other processes' changes through Supabase Realtime. */
  realtime: boolean;
}

/**
 * The change notices of SupabaseStore's `subscribe`: the store's own calls report what they
 * changed (`announce`: the jobs, and the pools movedQueues of @jobgate/core names); with
 * `realtime`, a Realtime channel on the jobs table and on the per-pool rows of
 * jobgate_queue_moves (whose trigger in packages/supabase/sql/supabase.sql applies the same
 * rule to the rows) brings other processes' changes too.
 */
export class SupabaseChangeFeed implements SqlStoreFeed {
  readonly #client: SupabaseClient;
  readonly #schema: string;
  readonly #table: string;
  readonly #realtime: boolean;
  readonly #listeners = new Set<(change: JobChange) => void>();
  readonly #queueListeners = new Set<(pool: string) => void>();
  #channel: ReturnType<SupabaseClient['channel']> | null = null;

  constructor(options: SupabaseChangeFeedOptions) {
    this.#client = options.client;
    this.#schema = options.schema;
    this.#table = options.table;
    this.#realtime = options.realtime;
  }

  subscribe(
    listener: (change: JobChange) => void,
    onQueueMoved?: (pool: string) => void,
  ): () => void {
    this.#listeners.add(listener);
    if (onQueueMoved) this.#queueListeners.add(onQueueMoved);
    if (this.#realtime && !this.#channel) this.#openChannel();
    return () => {
      this.#listeners.delete(listener);
      if (onQueueMoved) this.#queueListeners.delete(onQueueMoved);
      if (this.#listeners.size === 0 && this.#channel) {
        void this.#client.removeChannel(this.#channel);
        this.#channel = null;
      }
    };
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    this.#queueListeners.clear();
    if (this.#channel) {
      await this.#client.removeChannel(this.#channel);
      this.#channel = null;
    }
  }

  announce(changed: readonly Job[], movedPools: readonly string[]): void {
    for (const job of changed) this.emit(job);
    for (const pool of movedPools) this.queueMoved(pool);
  }

  emit(job: Job): void {
    for (const listener of this.#listeners) {
      try {
        listener({ id: job.id, status: job.status, userId: job.userId, job });
      } catch {
        // a listener's failure is its own
      }
    }
  }

  /**
   * This process's own "queue moved" notices (what its calls changed); with `realtime`, the
   * per-pool rows of jobgate_queue_moves bring other processes' too.
   */
  queueMoved(pool: string): void {
    for (const listener of [...this.#queueListeners]) {
      try {
        listener(pool);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  #openChannel(): void {
    this.#channel = this.#client
      .channel(`jobgate:${this.#schema}:${this.#table}`)
      .on(
        'postgres_changes',
        { event: '*', schema: this.#schema, table: this.#table },
        (payload: { new?: unknown }) => {
          const row = payload.new as JobRow | undefined;
          if (row && typeof row === 'object' && typeof row.id === 'string') {
            this.emit(jobFromRow(row));
          }
        },
      )
      .on(
        'postgres_changes',
        { event: '*', schema: this.#schema, table: 'jobgate_queue_moves' },
        (payload: { new?: unknown }) => {
          const pool = (payload.new as { pool?: unknown } | undefined)?.pool;
          if (typeof pool === 'string') this.queueMoved(pool);
        },
      )
      .subscribe();
  }
}
