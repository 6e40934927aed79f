import { healVerdict } from '../domain/healVerdict.js';
import type { Job } from '../domain/job.js';
import type { HealOptions, StoreHealResult } from '../ports/jobStore.js';
import type { JobTable } from './jobTable.js';
import type { MemorySlots } from './memorySlots.js';

/**
 * A MemoryStore's heal: ends every job the heal rule gives up on (in one pool, or in all),
 * then fills the slots that freed, pool by pool.
 */
export function healJobs(
  table: JobTable,
  slots: MemorySlots,
  options: HealOptions,
): StoreHealResult {
  const healed: Job[] = [];
  for (const job of table.rows()) {
    if (options.pool !== undefined && job.pool !== options.pool) continue;
    const verdict = healVerdict(table.view(job), options, options.now, table.lease(job.id));
    if (verdict === null) continue;
    slots.end(job, verdict, options.now);
    healed.push(job);
  }
  const promoted = slots.promoteAll(options, options.pool);
  return { healed: table.views(healed), promoted: table.views(promoted) };
}
