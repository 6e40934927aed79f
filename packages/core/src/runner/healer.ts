import { JobGateError, toJobGateError } from '../domain/errors.js';
import type { Job } from '../domain/job.js';
import { isTerminal } from '../domain/jobStatus.js';
import type { StoreHealResult } from '../ports/jobStore.js';
import { isTaskNotFound, type ProviderStatus } from '../ports/provider.js';
import type { CreditSettler } from './creditSettler.js';
import type { FailSafe } from './failSafe.js';
import type { ProviderLauncher } from './providerLauncher.js';
import type { RunnerContext } from './runnerContext.js';
import { untilAborted } from './untilAborted.js';
import type { UpdateApplier } from './updateApplier.js';

export interface HealReport {
  healed: Job[];
  promoted: Job[];
  /** Running jobs whose provider status was checked. */
  polled: number;
  /** Jobs ended by the heal pass (finished at the provider, or overdue). */
  watched: Job[];
  refunded: number;
}

/**
 * Nothing stays stuck: ends what outlived its window, asks the provider about running jobs
 * that went quiet or overdue, and pays refunds still owed.
 */
export class Healer {
  readonly #ctx: RunnerContext;
  readonly #failSafe: FailSafe;
  readonly #credits: CreditSettler;
  readonly #launcher: ProviderLauncher;
  readonly #updates: UpdateApplier;
  /** Status calls that failed, by job id: how many, and not before when to retry. */
  readonly #statusFailures = new Map<string, { count: number; nextAt: number }>();
  /** Copies of finished jobs' results that failed, by job id. */
  readonly #copyFailures = new Map<string, number>();
  #healTimer: unknown;

  constructor(
    ctx: RunnerContext,
    parts: {
      failSafe: FailSafe;
      credits: CreditSettler;
      launcher: ProviderLauncher;
      updates: UpdateApplier;
    },
  ) {
    this.#ctx = ctx;
    this.#failSafe = parts.failSafe;
    this.#credits = parts.credits;
    this.#launcher = parts.launcher;
    this.#updates = parts.updates;
  }

  /** What `JobRunner.heal` promises, documented there. */
  async heal(): Promise<HealReport> {
    const { store, clock, tools } = this.#ctx;
    const { healed, promoted } = await this.healStore();
    const report: HealReport = { healed, promoted, polled: 0, watched: [], refunded: 0 };
    const now = clock.now();
    const running = await store.list({ status: ['running'] });
    const live = new Set(running.map((j) => j.id));
    for (const failures of [this.#statusFailures, this.#copyFailures])
      for (const id of failures.keys()) if (!live.has(id)) failures.delete(id);
    for (const job of running) {
      if (job.taskId === null || !tools.has(job.tool)) continue;
      const after = await this.#watch(job, now).catch((e) => {
        this.#ctx.report(e, 'heal', job.id);
        return null;
      });
      if (after === 'skipped') continue;
      report.polled++;
      if (after && isTerminal(after.status)) report.watched.push(after);
    }
    // Refunds still owed: the process died between ending a job and refunding it, or while
    // it held the refund claim.
    for (const creditState of ['charged', 'refunding'] as const) {
      const owed = await store.list({ status: ['failed', 'cancelled'], creditState, limit: 100 });
      // A `charged` job is settled by the refund policy; a `refunding` one was owed already.
      for (const job of owed)
        if (
          await (creditState === 'charged' ? this.#credits.settle(job) : this.#credits.refund(job))
        )
          report.refunded++;
    }
    return report;
  }

  /** Heals one pool (a submit's own), or every pool one at a time. */
  async healStore(pool?: string): Promise<StoreHealResult> {
    const { timeouts } = this.#ctx;
    const result = await this.#ctx.store.heal({
      ...this.#ctx.slot(),
      ...(pool === undefined ? {} : { pool }),
      staleStartMs: timeouts.staleStartMs,
      lostStartMs: timeouts.lostStartMs,
      maxQueueMs: timeouts.maxQueueMs,
      leaseMs: timeouts.startLeaseMs,
    });
    for (const job of result.healed) {
      this.#ctx.emit('healed', job);
      await this.#failSafe.afterEnd(job, []);
    }
    await this.#launcher.launchAll(result.promoted);
    return result;
  }

  /** Heals on a request's behalf: a heal that fails is reported, never the request's error. */
  healQuietly(pool?: string): Promise<{ healed: Job[] }> {
    return this.healStore(pool).catch((e) => {
      this.#ctx.report(e, 'heal');
      return { healed: [] };
    });
  }

  /** What `JobRunner.startHealing` promises, documented there. */
  startHealing(intervalMs: number): void {
    const ctx = this.#ctx;
    const tick = () => {
      if (ctx.closed) return;
      this.heal()
        .catch((e) => ctx.report(e, 'heal'))
        .finally(() => {
          if (!ctx.closed) this.#healTimer = ctx.clock.setTimeout(tick, intervalMs);
        });
    };
    this.#healTimer = ctx.clock.setTimeout(tick, intervalMs);
  }

  stop(): void {
    if (this.#healTimer !== undefined) this.#ctx.clock.clearTimeout(this.#healTimer as never);
  }

  /**
   * The heal of one running job with a task: asks the provider when the job went quiet,
   * ran past its tool's `maxRunMs`, or is an old row without `started_at`. Ends it when the
   * provider says it ended, does not know the task (TASK_LOST), or it is overdue (TIMEOUT);
   * a status call that fails past `maxRunMs` is retried with backoff within a grace period.
   */
  async #watch(job: Job, now: number): Promise<Job | 'skipped' | null> {
    const { tools, provider, timeouts, retry } = this.#ctx;
    const taskId = job.taskId!;
    const tool = tools.get(job.tool);
    const since = Date.parse(job.startedAt ?? job.createdAt);
    const overdue = now - since > tool.maxRunMs;
    const graceOver = now - since > tool.maxRunMs + retry.statusGracePolls * tool.pollIntervalMs;
    const quiet = now - Date.parse(job.updatedAt) > tool.pollIntervalMs;
    if (!overdue && !quiet && job.startedAt !== null) return 'skipped';
    const failures = this.#statusFailures.get(job.id);
    if (failures && failures.nextAt > now && !graceOver) return 'skipped';
    let status: ProviderStatus;
    try {
      const signal = AbortSignal.timeout(timeouts.providerCallMs);
      status = await untilAborted(provider.status(taskId, { job, tool, signal }), signal);
      this.#statusFailures.delete(job.id);
    } catch (error) {
      this.#ctx.report(error, 'heal', job.id);
      const count = (failures?.count ?? 0) + 1;
      const backoff = tool.pollIntervalMs * 2 ** Math.min(count - 1, 3);
      this.#statusFailures.set(job.id, { count, nextAt: now + backoff });
      // The provider could not say: the task may have finished. Only past the grace period
      // does the job end as overdue.
      if (!graceOver) return job;
      return this.#endOverdue(job, tool.maxRunMs);
    }
    if (isTaskNotFound(status)) {
      this.#statusFailures.delete(job.id);
      const lost = new JobGateError(
        'TASK_LOST',
        `the provider does not know task ${taskId}${status.error ? ` (${status.error.message})` : ''}`,
        { jobId: job.id, providerCode: status.error?.code },
      );
      this.#ctx.report(lost, 'heal', job.id);
      return (
        await this.#failSafe.end(
          job.id,
          { status: 'failed', errorCode: 'TASK_LOST', errorMessage: lost.toJobMessage() },
          ['running'],
          // The provider does not know the task: there is nothing to cancel.
          'provider',
        )
      ).job;
    }
    let after: Job;
    try {
      after = await this.#updates.apply(job.id, { ...status, taskId });
      this.#copyFailures.delete(job.id);
    } catch (error) {
      // The provider finished the job but its results could not be stored: tried again at
      // each poll, until as many polls as a status call gets failed, or the grace ran out.
      const err = toJobGateError(error, 'INTERNAL', job.id);
      if (status.state !== 'completed' || err.code !== 'STORAGE_ERROR') throw err;
      const count = (this.#copyFailures.get(job.id) ?? 0) + 1;
      this.#copyFailures.set(job.id, count);
      if (count < retry.statusGracePolls && !graceOver) throw err;
      this.#copyFailures.delete(job.id);
      return this.#updates.endUnstored(job, err);
    }
    if (after.status === 'running' && overdue) return this.#endOverdue(after, tool.maxRunMs);
    return after;
  }

  async #endOverdue(job: Job, maxRunMs: number): Promise<Job> {
    this.#statusFailures.delete(job.id);
    // The FailSafe cancels the task once the job is ended (cancelsTask): not before, and not twice.
    const timeout = `TIMEOUT: the job ran longer than ${maxRunMs} ms`;
    return (
      await this.#failSafe.end(
        job.id,
        { status: 'failed', errorCode: 'TIMEOUT', errorMessage: timeout },
        ['running'],
        'runner',
      )
    ).job;
  }
}
