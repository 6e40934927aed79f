import { type JobGateError, toJobGateError } from '../domain/errors.js';
import type { Job } from '../domain/job.js';
import { isTerminal, type JobStatus } from '../domain/jobStatus.js';
import { publicMessageOf } from '../domain/publicMessage.js';
import type { FinishOutcome, FinishResult } from '../ports/jobStore.js';
import { cancelsTask, type TaskEnd } from './cancelsTask.js';
import type { CreditSettler } from './creditSettler.js';
import type { ProviderLauncher } from './providerLauncher.js';
import type { RunnerContext } from './runnerContext.js';
import { isStoreUnavailable } from './storeDeadline.js';

/**
 * The FailSafe: every path that fails leaves the job terminal, its slot released, its
 * credits refunded and the queue head promoted, before the error reaches the caller. The
 * runner's own ends go through {@link FailSafe.end} and those heal finds through
 * {@link FailSafe.afterEnd}, so no ended job keeps its task at the provider, its charge,
 * or the slot the next job waits for.
 */
export class FailSafe {
  readonly #ctx: RunnerContext;
  readonly #credits: CreditSettler;
  readonly #launcher: ProviderLauncher;

  constructor(ctx: RunnerContext, credits: CreditSettler, launcher: ProviderLauncher) {
    this.#ctx = ctx;
    this.#credits = credits;
    this.#launcher = launcher;
  }

  /**
   * Runs the work of a job this call created; if it fails, the job is ended by
   * {@link FailSafe.fail} before the error (a JobGateError naming the job) is rethrown.
   */
  async run<T>(jobId: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const err = toJobGateError(error, 'INTERNAL', jobId);
      await this.fail(jobId, err);
      throw err;
    }
  }

  /**
   * Ends the job failed with the error's code. Never throws: if the store fails too, heal
   * ends the job within its window. With the database unreachable nothing is tried, since the
   * write cannot land either and a call that timed out may still have committed: heal
   * (STALE_START), the start lease (START_LOST) and the launcher's late attach settle the job
   * once the database answers again.
   */
  async fail(jobId: string, error: JobGateError): Promise<Job | null> {
    if (isStoreUnavailable(error)) return null;
    // The job keeps the message a user may read; what only operators should see goes to them.
    if (error.message !== publicMessageOf(error)) this.#ctx.report(error, 'job-failed', jobId);
    try {
      const result = await this.end(
        jobId,
        { status: 'failed', errorCode: error.code, errorMessage: error.toJobMessage() },
        ['starting', 'queued', 'running'],
        'runner',
      );
      return result.job;
    } catch (failure) {
      this.#ctx.report(failure, 'failsafe', jobId);
      return null;
    }
  }

  /**
   * Ends a job (compare-and-set on `from`, slot handed on in the same store call), then
   * cancels its task at the provider if {@link cancelsTask} says so (`by`: who ended the
   * task), settles its credits and launches whom the store promoted.
   */
  async end(
    jobId: string,
    outcome: FinishOutcome,
    from: readonly JobStatus[],
    by: TaskEnd,
    taskId?: string,
  ): Promise<FinishResult> {
    const result = await this.#ctx.store.finish(jobId, outcome, {
      ...this.#ctx.slot(),
      from,
      ...(taskId === undefined ? {} : { taskId }),
    });
    if (result.changed) {
      if (cancelsTask(result.job, from, by)) await this.#launcher.cancelAtProvider(result.job);
      await this.afterEnd(result.job, result.promoted);
    }
    return result;
  }

  /** What follows a job's end that the store made (here or by heal): announce, settle, promote. */
  async afterEnd(job: Job, promoted: readonly Job[]): Promise<void> {
    if (isTerminal(job.status)) this.#ctx.emit(job.status, job);
    if (job.creditState === 'charged' && job.status !== 'completed')
      await this.#credits.settle(job);
    await this.#launcher.launchAll(promoted);
  }
}
