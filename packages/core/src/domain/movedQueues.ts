import type { Job } from './job.js';

/** What one store call did to the queues, as its result shows it. */
export interface QueueChange {
  /** Jobs the call ended (finish, heal), as they are now. */
  ended?: readonly Job[];
  /** Jobs that left their queue for a slot. */
  promoted?: readonly Job[];
  /** A job that went back in at the head of its queue (requeue). */
  requeued?: Job;
}

/**
 * True if an ended job waited in its queue until it ended: it was queued and has not started
 * since (a requeue clears `startedAt`). A job that never queued, or ran, left no queue.
 */
const leftQueue = (job: Job): boolean => job.waitedInQueue && job.startedAt === null;

/**
 * The pools whose queue one store call moved, each once, in the order they first appear: a
 * job left the queue (promoted, or ended while it waited) or went back in at its head, so
 * the positions of the jobs behind it changed. A job joining at the tail moves nobody. The
 * one rule for `onQueueMoved` of `JobStore.subscribe`: MemoryStore and the SQL store of
 * @jobgate/postgres (for a feed that announces its own calls) apply it to their results;
 * the database triggers (packages/postgres/sql/notify.sql, packages/supabase/sql/supabase.sql)
 * test the same from each row's before and after.
 */
export function movedQueues(change: QueueChange): string[] {
  const pools = new Set<string>();
  if (change.requeued) pools.add(change.requeued.pool);
  for (const job of change.ended ?? []) if (leftQueue(job)) pools.add(job.pool);
  for (const job of change.promoted ?? []) pools.add(job.pool);
  return [...pools];
}
