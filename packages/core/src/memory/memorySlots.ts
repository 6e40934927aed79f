import { isoAt, type Job } from '../domain/job.js';
import { newJobRuns, selectPromotions } from '../domain/slotPolicy.js';
import type { FinishOutcome, RequeueOptions, SlotOptions } from '../ports/jobStore.js';
import type { ChangeFeed } from './changeFeed.js';
import type { JobTable } from './jobTable.js';

/**
 * The slot and queue moves of a MemoryStore: who runs, who waits where, who leaves. The
 * decisions are the slot policy's (the walk the SQL stores mirror); this class writes them
 * to the rows and announces the rows it changed (MemoryStore announces the queues that moved,
 * from its results: see movedQueues).
 */
export class MemorySlots {
  readonly #table: JobTable;
  readonly #feed: ChangeFeed;

  constructor(table: JobTable, feed: ChangeFeed) {
    this.#table = table;
    this.#feed = feed;
  }

  /**
   * A starting job takes a slot if one is free, else the tail of its queue. Queued jobs take
   * free slots first: a new job never overtakes the queue. Returns those promoted.
   */
  place(job: Job, options: SlotOptions): Job[] {
    const promoted = this.promote(job.pool, options);
    const queue = this.#table.queueOf(job.pool);
    if (newJobRuns(job, queue, this.#table.running(), options.limits, options.now)) {
      this.#run(job, options.now);
    } else {
      this.#enqueue(job, options.now, 'tail');
    }
    return promoted;
  }

  /** A running job the provider had no room for goes back to the head of its queue. */
  requeue(job: Job, options: RequeueOptions): Job[] {
    job.attempts += 1;
    job.retryAt = isoAt(options.retryAt);
    job.errorCode = options.errorCode;
    job.errorMessage = options.errorMessage;
    job.startedAt = null;
    if (options.providerInput !== undefined)
      job.providerInput = structuredClone(options.providerInput);
    this.#enqueue(job, options.now, 'head');
    return this.promote(job.pool, options);
  }

  /** Ends an active job (finish, heal): it leaves the queue, and those behind it move up. */
  end(job: Job, outcome: FinishOutcome, now: number): void {
    this.#table.leaveQueue(job.id);
    job.status = outcome.status;
    job.completedAt = isoAt(now);
    job.updatedAt = isoAt(now);
    job.position = null;
    job.retryAt = null;
    if (outcome.status === 'completed') {
      job.output = outcome.output ?? null;
      job.errorCode = null;
      job.errorMessage = null;
      job.progress = 1;
    } else {
      job.errorCode = outcome.errorCode;
      job.errorMessage = outcome.errorMessage;
    }
    this.#feed.changed(job);
  }

  /** Claims free slots of one pool for its queue (the slot policy's walk). */
  promote(pool: string, options: SlotOptions): Job[] {
    const claimed = selectPromotions(
      this.#table.queueOf(pool),
      this.#table.running(),
      options.limits,
      options.now,
    );
    for (const job of claimed) {
      job.retryAt = null;
      this.#run(job, options.now);
    }
    return claimed;
  }

  /** Promotes pool by pool, in pool name order (as the SQL stores do); `only` one pool. */
  promoteAll(options: SlotOptions, only?: string): Job[] {
    const queued = this.#table.rows().filter((j) => j.status === 'queued');
    const pools = [...new Set(queued.map((j) => j.pool))]
      .filter((pool) => only === undefined || pool === only)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return pools.flatMap((pool) => this.promote(pool, options));
  }

  #run(job: Job, now: number): void {
    job.status = 'running';
    job.startedAt = isoAt(now);
    job.updatedAt = isoAt(now);
    job.position = null;
    job.progress = null;
    this.#table.leaveQueue(job.id);
    this.#feed.changed(job);
  }

  #enqueue(job: Job, now: number, where: 'head' | 'tail'): void {
    this.#table.joinQueue(job, where);
    job.status = 'queued';
    job.waitedInQueue = true;
    job.queuedAt ??= isoAt(now);
    job.updatedAt = isoAt(now);
    this.#feed.changed(job);
  }
}
