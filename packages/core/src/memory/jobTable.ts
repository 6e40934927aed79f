import { JobGateError } from '../domain/errors.js';
import type { Job, NewJob } from '../domain/job.js';
import { isActive } from '../domain/jobStatus.js';
import { isRealQueued } from '../domain/needsConfirm.js';
import type { JobQuery } from '../ports/jobStore.js';

/**
 * The rows of a MemoryStore and the indexes beside them: the queue order and the start
 * leases. The store changes rows in place; whatever leaves it is a {@link JobTable.view}.
 */
export class JobTable {
  readonly #jobs = new Map<string, Job>();
  /** Queue order key: lower runs first. Requeue at the head takes min - 1. */
  readonly #queueSeq = new Map<string, number>();
  #seq = 0;
  /** Start leases renewed by renewLeases (ms), by job id. */
  readonly #leases = new Map<string, number>();

  get(id: string): Job | undefined {
    return this.#jobs.get(id);
  }

  require(id: string): Job {
    const job = this.#jobs.get(id);
    if (!job) throw new JobGateError('NOT_FOUND', `no job ${id}`, { jobId: id });
    return job;
  }

  /**
   * The job already stored under a new job's id (an idempotent retry), as the API shows it,
   * or undefined. CONFLICT if the id belongs to another user's or another tool's job.
   */
  sameJob(input: NewJob): Job | undefined {
    const existing = this.#jobs.get(input.id);
    if (!existing) return undefined;
    if (existing.userId !== input.userId || existing.tool !== input.tool) {
      throw new JobGateError('CONFLICT', 'this job id is already used by another job', {
        jobId: input.id,
      });
    }
    return this.view(existing);
  }

  /** ACTIVE_JOB_EXISTS (naming the oldest) if the user has `max` active jobs already. */
  checkActiveLimit(userId: string, max: number): void {
    const active = this.activeOf(userId);
    if (active.length >= max) {
      throw new JobGateError('ACTIVE_JOB_EXISTS', 'you already have an active job', {
        jobId: active[0]!.id,
        details: { activeJobId: active[0]!.id, activeStatus: active[0]!.status },
      });
    }
  }

  add(job: Job): void {
    this.#jobs.set(job.id, job);
  }

  /** Every row, in insertion order: a copy of the list, so rows may change during the walk. */
  rows(): Job[] {
    return [...this.#jobs.values()];
  }

  /** The user's active jobs, oldest first. */
  activeOf(userId: string): Job[] {
    return this.rows()
      .filter((j) => j.userId === userId && isActive(j.status))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  running(): Job[] {
    return this.rows().filter((j) => j.status === 'running');
  }

  /** One pool's queue, in order. */
  queueOf(pool: string): Job[] {
    return [...this.#queueSeq.entries()]
      .map(([id, seq]) => ({ job: this.#jobs.get(id)!, seq }))
      .filter(({ job }) => job.pool === pool)
      .sort((a, b) => a.seq - b.seq)
      .map(({ job }) => job);
  }

  inQueue(id: string): boolean {
    return this.#queueSeq.has(id);
  }

  /** Gives the job its place: after everyone (`tail`), or before everyone of its pool (`head`). */
  joinQueue(job: Job, where: 'head' | 'tail'): void {
    const seqs = this.queueOf(job.pool).map((j) => this.#queueSeq.get(j.id)!);
    const seq = where === 'tail' ? ++this.#seq : Math.min(0, ...seqs) - 1;
    this.#queueSeq.set(job.id, seq);
  }

  /** Takes the job out of the queue; true if it had a place there. */
  leaveQueue(id: string): boolean {
    return this.#queueSeq.delete(id);
  }

  lease(id: string): number | undefined {
    return this.#leases.get(id);
  }

  renewLease(id: string, until: number): void {
    this.#leases.set(id, until);
  }

  dropLease(id: string): void {
    this.#leases.delete(id);
  }

  /**
   * A job as the API shows it: a copy, with its position computed now (its place in its
   * pool's queue, 1 = next), never stored.
   */
  view(job: Job): Job {
    const copy = structuredClone(job);
    const seq = this.#queueSeq.get(job.id);
    copy.position = null;
    if (job.status === 'queued' && job.waitedInQueue && seq !== undefined) {
      let ahead = 0;
      for (const [id, other] of this.#queueSeq) {
        if (other < seq && this.#jobs.get(id)?.pool === job.pool) ahead++;
      }
      copy.position = ahead + 1;
    }
    return copy;
  }

  views(jobs: readonly Job[]): Job[] {
    return jobs.map((job) => this.view(job));
  }

  list(query: JobQuery): Job[] {
    const out: Job[] = [];
    for (const job of this.#jobs.values()) {
      if (query.userId !== undefined && job.userId !== query.userId) continue;
      if (query.status && !query.status.includes(job.status)) continue;
      if (query.tool !== undefined && job.tool !== query.tool) continue;
      if (query.creditState !== undefined && job.creditState !== query.creditState) continue;
      out.push(this.view(job));
    }
    out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return query.limit === undefined ? out : out.slice(0, query.limit);
  }

  /** The queue of a pool (all pools if omitted), in order, positions 1..n per pool. */
  queue(pool?: string): Job[] {
    const pools = pool === undefined ? new Set(this.rows().map((j) => j.pool)) : [pool];
    return [...pools].flatMap((p) =>
      this.queueOf(p).map((job, index) => ({ ...structuredClone(job), position: index + 1 })),
    );
  }

  counts(pool: string): { running: number; queued: number } {
    let running = 0;
    let queued = 0;
    for (const job of this.#jobs.values()) {
      if (job.pool !== pool) continue;
      if (job.status === 'running') running++;
      else if (job.status === 'queued') queued++;
    }
    return { running, queued };
  }

  /** Writes a row as is (legacy data, crash scenarios). Bypasses every rule: tests only. */
  unsafeInsert(job: Job): void {
    // Positions are computed when read: a row inserted with one joins the queue's tail.
    this.#jobs.set(job.id, { ...structuredClone(job), position: null });
    if (isRealQueued(job)) {
      this.#queueSeq.set(job.id, ++this.#seq);
    } else {
      this.#queueSeq.delete(job.id);
    }
  }
}
