import { EventEmitter } from 'eventemitter3';
import type { Job } from '../domain/job.js';
import type { JobChange } from '../ports/jobStore.js';
import type { JobTable } from './jobTable.js';

/** The change notices of a MemoryStore: its `subscribe`, and what the store's writes announce. */
export class ChangeFeed {
  readonly #table: JobTable;
  readonly #events = new EventEmitter<{ change: [JobChange]; queue: [string] }>();

  constructor(table: JobTable) {
    this.#table = table;
  }

  subscribe(
    listener: (change: JobChange) => void,
    onQueueMoved?: (pool: string) => void,
  ): () => void {
    this.#events.on('change', listener);
    if (onQueueMoved) this.#events.on('queue', onQueueMoved);
    return () => {
      this.#events.off('change', listener);
      if (onQueueMoved) this.#events.off('queue', onQueueMoved);
    };
  }

  /** A row was written: listeners get the job as the API shows it. */
  changed(job: Job): void {
    this.#events.emit('change', {
      id: job.id,
      status: job.status,
      userId: job.userId,
      job: this.#table.view(job),
    });
  }

  /** One notice per queue change: the positions behind moved, no row was written. */
  queueMoved(pool: string): void {
    this.#events.emit('queue', pool);
  }

  close(): void {
    this.#events.removeAllListeners();
  }
}
