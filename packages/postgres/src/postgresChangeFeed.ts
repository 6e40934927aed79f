import type { JobStatus } from '@jobgate/core';
import type { JobChange } from '@jobgate/core/adapter';
import { notifyChannel } from './migrate.js';
import type { SqlClient } from './sqlClient.js';
import type { SqlStoreFeed } from './sqlStore.js';

export interface PostgresChangeFeedOptions {
  /** Runs the polling reads. */
  client: Pick<SqlClient, 'query'>;
  /** LISTENs on the schema's channel; null: poll instead. */
  listener: Pick<SqlClient, 'listen'> | null;
  schema: string;
  pollIntervalMs: number;
}

interface Poll {
  timer: ReturnType<typeof setInterval>;
  watermark: string | null;
  seen: Map<string, string>;
}

/**
 * The change notices of PostgresStore's `subscribe`: LISTEN on the schema's channel (one
 * NOTIFY per changed row and one per pool whose queue moved, sent by the triggers of
 * packages/postgres/sql/notify.sql), else polling `updated_at`. Starts with the first
 * subscriber. The database tells every process, so SqlStore announces nothing itself here
 * (no `announce`). The trigger's "queue moved" is movedQueues of @jobgate/core tested on
 * each row's before and after (it left `queued`, or went back in at the head); polling,
 * which sees no before, names every pool with a change.
 */
export class PostgresChangeFeed implements SqlStoreFeed {
  readonly #client: Pick<SqlClient, 'query'>;
  readonly #listener: Pick<SqlClient, 'listen'> | null;
  readonly #schema: string;
  readonly #q: string;
  readonly #pollIntervalMs: number;
  readonly #listeners = new Set<(change: JobChange) => void>();
  readonly #queueListeners = new Set<(pool: string) => void>();
  #listening: Promise<(() => Promise<void>) | null> | null = null;
  #poll: Poll | null = null;
  #closed = false;

  constructor(options: PostgresChangeFeedOptions) {
    this.#client = options.client;
    this.#listener = options.listener;
    this.#schema = options.schema;
    this.#q = `"${options.schema}"`;
    this.#pollIntervalMs = options.pollIntervalMs;
  }

  /**
   * While LISTEN is being set up: settles once it is in place (or refused). Store calls wait
   * for it, so the changes they make after `subscribe` returned are seen.
   */
  get ready(): Promise<unknown> | null {
    return this.#listening;
  }

  subscribe(
    listener: (change: JobChange) => void,
    onQueueMoved?: (pool: string) => void,
  ): () => void {
    this.#listeners.add(listener);
    if (onQueueMoved) this.#queueListeners.add(onQueueMoved);
    if (!this.#closed && this.#listening === null && this.#poll === null) {
      if (this.#listener) {
        this.#listening = this.#listener
          .listen(notifyChannel(this.#schema), (payload) => this.#onPayload(payload))
          .catch(() => {
            // LISTEN refused (e.g. a transaction pooler): fall back to polling.
            this.#startPolling();
            return null;
          });
      } else {
        this.#startPolling();
      }
    }
    return () => {
      this.#listeners.delete(listener);
      if (onQueueMoved) this.#queueListeners.delete(onQueueMoved);
    };
  }

  /** Stops listening and polling for good (the clients stay open). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    this.#queueListeners.clear();
    if (this.#poll) clearInterval(this.#poll.timer);
    this.#poll = null;
    const unlisten = this.#listening ? await this.#listening : null;
    this.#listening = null;
    if (unlisten) await unlisten().catch(() => undefined);
  }

  #emit(change: JobChange): void {
    for (const listener of [...this.#listeners]) listener(change);
  }

  #emitQueueMoved(pool: string): void {
    for (const listener of [...this.#queueListeners]) listener(pool);
  }

  #onPayload(payload: string): void {
    try {
      const p = JSON.parse(payload) as
        | { id: string; status: JobStatus; user_id: string }
        | { pool: string; queue: 'moved' };
      if ('queue' in p) this.#emitQueueMoved(p.pool);
      else this.#emit({ id: p.id, status: p.status, userId: p.user_id });
    } catch {
      // Not ours: ignore.
    }
  }

  #startPolling(): void {
    const poll: Poll = {
      timer: setInterval(() => void this.#pollOnce(), this.#pollIntervalMs),
      watermark: null,
      seen: new Map<string, string>(),
    };
    (poll.timer as { unref?: () => void }).unref?.();
    this.#poll = poll;
    void this.#pollOnce();
  }

  async #pollOnce(): Promise<void> {
    const poll = this.#poll;
    if (!poll) return;
    try {
      if (poll.watermark === null) {
        // Start from the newest change: subscribers see what happens from now on.
        const [top] = await this.#client.query<{ at: string | null }>(
          `SELECT max(updated_at)::text AS at FROM ${this.#q}.jobgate_jobs`,
        );
        poll.watermark = top?.at ?? '-infinity';
        return;
      }
      const rows = await this.#client.query<{
        id: string;
        status: JobStatus;
        user_id: string;
        pool: string;
        at: string;
      }>(
        `SELECT id, status, user_id, pool, updated_at::text AS at FROM ${this.#q}.jobgate_jobs
          WHERE updated_at >= $1::text::timestamptz ORDER BY updated_at LIMIT 10000`,
        [poll.watermark],
      );
      if (poll.seen.size > 10_000) poll.seen.clear();
      // Polling cannot tell which change moved a queue: every pool with a change this tick
      // gets one queue notice (positions are cheap to re-read).
      const pools = new Set<string>();
      for (const row of rows) {
        const key = `${row.status}|${row.at}`;
        if (poll.seen.get(row.id) === key) continue;
        poll.seen.set(row.id, key);
        poll.watermark = row.at;
        this.#emit({ id: row.id, status: row.status, userId: row.user_id });
        pools.add(row.pool);
      }
      for (const pool of pools) this.#emitQueueMoved(pool);
    } catch {
      // Try again on the next tick.
    }
  }
}
