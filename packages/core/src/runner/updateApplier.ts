import { JobGateError, toJobGateError } from '../domain/errors.js';
import type { Job, JsonValue } from '../domain/job.js';
import { isTerminal } from '../domain/jobStatus.js';
import { keepsLateOutput } from '../domain/keepsLateOutput.js';
import { outputFileUrls } from '../domain/outputFile.js';
import type { ProviderStatus } from '../ports/provider.js';
import type { CreditSettler } from './creditSettler.js';
import type { FailSafe } from './failSafe.js';
import { copyOutputs } from './outputCopy.js';
import type { ProviderLauncher } from './providerLauncher.js';
import type { RunnerContext } from './runnerContext.js';
import { verifyWebhookToken } from './webhookToken.js';

/** A status with the task it is about, when the caller knows it. */
type Update = ProviderStatus & { taskId?: string };

const clamp01 = (n: number): number => Math.min(1, Math.max(0, n));

/** What the provider says about a task (a webhook or a status poll), applied to its job. */
export class UpdateApplier {
  readonly #ctx: RunnerContext;
  readonly #failSafe: FailSafe;
  readonly #credits: CreditSettler;
  readonly #launcher: ProviderLauncher;
  /** The current webhook secret first, then those still accepted during a rotation. */
  readonly #webhookSecrets: readonly string[];

  constructor(
    ctx: RunnerContext,
    parts: { failSafe: FailSafe; credits: CreditSettler; launcher: ProviderLauncher },
    webhookSecrets: readonly string[],
  ) {
    this.#ctx = ctx;
    this.#failSafe = parts.failSafe;
    this.#credits = parts.credits;
    this.#launcher = parts.launcher;
    this.#webhookSecrets = webhookSecrets;
  }

  /**
   * What `JobRunner.applyUpdate` promises, documented there. `known`: the job as the caller
   * has just read it, so the update does not read it again.
   */
  async apply(jobId: string, update: Update, known?: Job): Promise<Job> {
    // An outcome is one store call: finish checks (and records) the task id itself, so the
    // slot is handed on without a read before it.
    if (update.state === 'completed') {
      const stored = await this.#storedOutput(jobId, update, known);
      if (stored.ended) return stored.ended;
      const result = await this.#failSafe.end(
        jobId,
        { status: 'completed', output: stored.output },
        ['running'],
        'provider',
        update.taskId,
      );
      if (result.changed && update.cost) await this.#credits.recordCost(result.job, update.cost);
      // A result for a job already ended (TIMEOUT, START_LOST, TASK_LOST) is kept on it.
      if (result.changed || result.job.status !== 'failed') return result.job;
      return this.#late(result.job, { ...update, output: stored.output });
    }
    if (update.state === 'failed' || update.state === 'cancelled') {
      // The provider's own words are for operators; the job says what a user may read.
      const error = new JobGateError(
        'PROVIDER_ERROR',
        update.error?.message ?? `the provider reported the task ${update.state}`,
        { jobId, providerCode: update.error?.code },
      );
      this.#ctx.report(error, 'provider-failed', jobId);
      const code = update.error ? ` (provider code ${update.error.code})` : '';
      return (
        await this.#failSafe.end(
          jobId,
          {
            status: 'failed',
            errorCode: 'PROVIDER_ERROR',
            errorMessage: `${error.toJobMessage()}${code}`,
          },
          ['running'],
          'provider',
          update.taskId,
        )
      ).job;
    }
    const { store, clock } = this.#ctx;
    const job = known ?? (await store.get(jobId));
    if (!job) throw new JobGateError('NOT_FOUND', 'no such job', { jobId });
    if (update.taskId !== undefined && job.taskId !== null && update.taskId !== job.taskId) {
      throw new JobGateError('VALIDATION', 'the update is for another task', { jobId });
    }
    const now = clock.now();
    if (isTerminal(job.status)) return this.#late(job, update);
    if (job.status !== 'running') return job;
    let current = job;
    if (current.taskId === null && update.taskId !== undefined) {
      current = await store.attachTask(jobId, update.taskId, now);
    }
    switch (update.state) {
      case 'pending':
      case 'running': {
        if (update.progress !== undefined && update.progress !== current.progress) {
          current = await store.progress(jobId, clamp01(update.progress), now);
          this.#ctx.emit('progress', current);
        }
        return current;
      }
      default:
        return current;
    }
  }

  /**
   * Ends a running job whose provider finished it but whose results could not be stored
   * (a file over the limit, or copies that kept failing): failed with STORAGE_ERROR and
   * refunded, never `completed` with a result the app does not have.
   */
  async endUnstored(job: Job, error: JobGateError): Promise<Job> {
    const result = await this.#failSafe.end(
      job.id,
      { status: 'failed', errorCode: 'STORAGE_ERROR', errorMessage: error.toJobMessage() },
      ['running'],
      'provider',
    );
    return result.job;
  }

  /**
   * The output a completed update leaves on its job: with a storage, its result files copied
   * there first (see copyOutputs). A copy that cannot succeed ends the job (`ended`); one
   * that may succeed later throws, leaving the job running for heal to ask again. A job
   * already ended keeps what it has, except a failed one's late result, copied if it can be.
   */
  async #storedOutput(
    jobId: string,
    update: Update,
    known: Job | undefined,
  ): Promise<{ output: JsonValue | null; ended?: Job }> {
    const output = update.output ?? null;
    const { storage, store, files, timeouts } = this.#ctx;
    if (!storage || outputFileUrls(output).length === 0) return { output };
    const job = known ?? (await store.get(jobId));
    if (!job) throw new JobGateError('NOT_FOUND', 'no such job', { jobId });
    if (update.taskId !== undefined && job.taskId !== null && update.taskId !== job.taskId) {
      throw new JobGateError('VALIDATION', 'the update is for another task', { jobId });
    }
    const late = keepsLateOutput(job, update.taskId ?? null);
    if (job.status !== 'running' && !late) return { output, ended: job };
    const copy = () =>
      copyOutputs(storage, job, output, {
        maxBytes: files.maxOutputBytes,
        signal: AbortSignal.timeout(timeouts.outputCopyMs),
      });
    if (late) {
      // A late result: kept with the provider's URLs if it cannot be copied.
      return {
        output: await copy().catch((error: unknown) => {
          this.#ctx.report(error, 'copy-output', jobId);
          return output;
        }),
      };
    }
    try {
      return { output: await copy() };
    } catch (error) {
      const err = toJobGateError(error, 'STORAGE_ERROR', jobId);
      this.#ctx.report(err, 'copy-output', jobId);
      if (err.kind === 'invalid') return { output, ended: await this.endUnstored(job, err) };
      throw err;
    }
  }

  /** What `JobRunner.handleWebhook` promises, documented there. */
  async handleWebhook(token: string, request: Request): Promise<Job> {
    if (this.#webhookSecrets.length === 0) {
      throw new JobGateError('FORBIDDEN', 'webhooks are not configured');
    }
    const { jobId, attempt } = await verifyWebhookToken(this.#webhookSecrets, token);
    const job = await this.#ctx.store.get(jobId);
    // A token of an earlier attempt (it went back to the queue; its task, if the provider
    // made one after all, is not this job's) is refused like a forged one.
    if (!job || job.attempts !== attempt) {
      throw new JobGateError('UNAUTHENTICATED', 'invalid webhook token');
    }
    const update = await this.#ctx.provider.parseWebhook(request);
    // The job was just read to check the token's attempt: the update starts from that read.
    return this.apply(jobId, update, job);
  }

  async #late(job: Job, update: Update): Promise<Job> {
    if (update.state === 'completed' && job.status === 'failed') {
      // The job stays failed (its end was already announced); subscribers of the store see
      // the output arrive as a change of the row.
      const { job: kept } = await this.#ctx.store.recordLateOutput(
        job.id,
        { taskId: update.taskId ?? null, output: update.output ?? null },
        this.#ctx.clock.now(),
      );
      return kept;
    }
    if (
      (update.state === 'running' || update.state === 'pending') &&
      update.taskId !== undefined &&
      job.taskId === null &&
      job.status !== 'completed'
    ) {
      // Its starter died before recording the task: nobody follows it, so it is stopped.
      await this.#launcher.cancelAtProvider({ ...job, taskId: update.taskId });
    }
    return job;
  }
}
