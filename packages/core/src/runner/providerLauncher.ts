import { JobGateError, toJobGateError } from '../domain/errors.js';
import type { Job, JsonObject } from '../domain/job.js';
import { isTerminal } from '../domain/jobStatus.js';
import { publicMessageOf } from '../domain/publicMessage.js';
import { providerInputOf } from './providerInput.js';
import type { RunnerContext } from './runnerContext.js';
import type { RunnerRetry, WebhookOptions } from './runnerOptions.js';
import { holdStartLease } from './startLease.js';
import { isStoreUnavailable } from './storeDeadline.js';
import { untilAborted } from './untilAborted.js';
import { webhookToken } from './webhookToken.js';

export interface ProviderLauncherOptions {
  webhook?: WebhookOptions | undefined;
  /** Wake up to retry a backed-off job when its time comes (a long-lived process). */
  wakeTimers: boolean;
  random: () => number;
  /** Where a launch that cannot be retried goes: the FailSafe ends the job. */
  onFailed: (jobId: string, error: JobGateError) => Promise<unknown>;
}

/**
 * The delay before retry number `attempt + 1` of a provider start: the step of the schedule
 * (the last one repeats) with ± `jitter`, so a busy provider is not hit by every waiting job
 * at once, and never earlier than the provider's own Retry-After.
 */
export function backoffDelay(
  retry: Required<RunnerRetry>,
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number,
): number {
  const steps = retry.backoffMs;
  const base = steps[Math.min(attempt, steps.length - 1)] ?? 3_000;
  const jitter = 1 + (random() * 2 - 1) * retry.jitter;
  return Math.max(retryAfterMs ?? 0, Math.round(base * jitter));
}

/**
 * Starts running jobs at the provider and cancels them there. A busy or transient answer
 * sends the job back to the queue head with a backoff; a task the database could not record
 * is recorded later, never left unfollowed.
 */
export class ProviderLauncher {
  readonly #ctx: RunnerContext;
  readonly #options: ProviderLauncherOptions;
  #wakeAt: number | null = null;

  constructor(ctx: RunnerContext, options: ProviderLauncherOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /**
   * The callback URL the provider gets for one start attempt of a job (`job.attempts` when it
   * is started), or undefined without `webhook` options.
   */
  async webhookUrl(jobId: string, attempt: number): Promise<string | undefined> {
    const { webhook } = this.#options;
    if (!webhook) return undefined;
    const token = await webhookToken(webhook.secret, jobId, attempt);
    return `${webhook.baseUrl.replace(/\/+$/, '')}/webhooks/${encodeURIComponent(this.#ctx.provider.id)}/${token}`;
  }

  /** Launches jobs a store just promoted; each that fails is ended, none throws. */
  async launchAll(jobs: readonly Job[]): Promise<void> {
    await Promise.all(
      jobs.map(async (job) => {
        try {
          await this.launch(job);
        } catch (error) {
          await this.#options.onFailed(job.id, toJobGateError(error, 'PROVIDER_ERROR', job.id));
        }
      }),
    );
  }

  /**
   * Starts a running job at the provider, holding its start lease while the calls are in
   * flight: first its input files go to the provider (read from storage), then the start.
   * Busy/transient answers send it back to the queue head, keeping the files the provider
   * already has for the next attempt.
   */
  async launch(job: Job): Promise<Job> {
    const { store, provider, tools, clock, timeouts, retry, policy, emit } = this.#ctx;
    const tool = tools.get(job.tool);
    let taskId: string;
    let received: JsonObject | null = null;
    const lease = holdStartLease(this.#ctx, job.id);
    try {
      const uploadSignal = AbortSignal.timeout(timeouts.providerUploadMs);
      const files = await untilAborted(
        providerInputOf(this.#ctx, job, tool, uploadSignal),
        uploadSignal,
      ).catch((cause: unknown) => {
        // Nothing was started yet: a slow upload is safe to try again.
        throw new JobGateError(
          'PROVIDER_UPLOAD',
          `the input files did not reach the provider within ${timeouts.providerUploadMs} ms`,
          { jobId: job.id, kind: 'transient', cause },
        );
      });
      received = files.received;
      if (files.error) throw files.error;
      const webhookUrl = await this.webhookUrl(job.id, job.attempts);
      const signal = AbortSignal.timeout(timeouts.providerStartMs);
      const started = provider.start({
        job: { ...job, input: files.input },
        tool,
        webhookUrl,
        signal,
      });
      ({ taskId } = await untilAborted(started, signal));
    } catch (error) {
      lease.stop();
      const err = toJobGateError(error, 'PROVIDER_ERROR', job.id);
      const again =
        err.kind === 'busy' ||
        (err.kind === 'transient' && job.attempts + 1 < retry.maxTransientAttempts);
      if (!again) throw err;
      // The job keeps a plain message; the provider's own answer (why it waits) is reported.
      if (err.message !== publicMessageOf(err)) this.#ctx.report(err, 'provider-start', job.id);
      const delay = backoffDelay(retry, job.attempts, err.retryAfterMs, this.#options.random);
      const now = clock.now();
      const { job: queued, promoted } = await store.requeue(job.id, {
        limits: policy.limits,
        now,
        retryAt: now + delay,
        errorCode: err.code,
        errorMessage: err.toJobMessage(),
        ...(received && Object.keys(received).length > 0 ? { providerInput: received } : {}),
      });
      emit('queued', queued);
      this.#scheduleWake(now + delay);
      await this.launchAll(promoted);
      return queued;
    }
    try {
      const started = await store.attachTask(job.id, taskId, clock.now());
      lease.stop();
      emit('started', started);
      return started;
    } catch (error) {
      if (isStoreUnavailable(error)) {
        // The provider runs the task but the database cannot record it: keep the lease and
        // record the task once the database answers, so the task is never left unfollowed.
        this.#attachLater(job, taskId, lease.stop);
        throw toJobGateError(error, 'STORE_UNAVAILABLE', job.id);
      }
      lease.stop();
      const current = await store.get(job.id);
      if (current && isTerminal(current.status)) {
        // Cancelled or healed while the provider was starting it: do not leave the task running.
        if (current.status !== 'completed') await this.cancelAtProvider({ ...current, taskId });
        return current;
      }
      // The job is about to fail without the task on record: cancel the task, not orphan it.
      await this.cancelAtProvider({ ...(current ?? job), taskId });
      throw error;
    }
  }

  /** Best effort: a task nobody follows any more is stopped; a failure is only reported. */
  async cancelAtProvider(job: Job): Promise<void> {
    const { provider, tools, timeouts } = this.#ctx;
    if (job.taskId === null || !tools.has(job.tool)) return;
    try {
      await provider.cancel(job.taskId, {
        job,
        tool: tools.get(job.tool),
        signal: AbortSignal.timeout(timeouts.providerCallMs),
      });
    } catch (error) {
      this.#ctx.report(error, 'provider-cancel', job.id);
    }
  }

  /**
   * Records a task the provider accepted while the database was unreachable: retried every
   * second until it is recorded, or the job turns out to be ended (then the task is cancelled
   * at the provider), or the job's lost-start window has passed (heal has ended it by then).
   */
  #attachLater(job: Job, taskId: string, stopLease: () => void): void {
    const ctx = this.#ctx;
    const until = ctx.clock.now() + ctx.timeouts.lostStartMs + 60_000;
    const attempt = () => {
      if (ctx.closed) return stopLease();
      ctx.store
        .attachTask(job.id, taskId, ctx.clock.now())
        .then((started) => {
          stopLease();
          ctx.emit('started', started);
        })
        .catch(async (error: unknown) => {
          if (isStoreUnavailable(error) && ctx.clock.now() < until) {
            ctx.clock.setTimeout(attempt, 1_000);
            return;
          }
          stopLease();
          const current = await ctx.store.get(job.id).catch(() => null);
          if (current && isTerminal(current.status) && current.status !== 'completed')
            await this.cancelAtProvider({ ...current, taskId });
          else ctx.report(error, 'attach', job.id);
        });
    };
    ctx.clock.setTimeout(attempt, 1_000);
  }

  /** One timer, at the earliest backoff due: promotes then, and re-arms for the next one. */
  #scheduleWake(at: number): void {
    const ctx = this.#ctx;
    if (!this.#options.wakeTimers || ctx.closed) return;
    if (this.#wakeAt !== null && this.#wakeAt <= at) return;
    this.#wakeAt = at;
    ctx.clock.setTimeout(
      () => {
        this.#wakeAt = null;
        if (ctx.closed) return;
        ctx.store
          .promote(ctx.slot())
          .then((promoted) => this.launchAll(promoted))
          .then(async () => {
            // Someone may still be waiting on a later backoff.
            const next = (await ctx.store.queue()).find((j) => j.retryAt !== null);
            if (next?.retryAt)
              this.#scheduleWake(Math.max(Date.parse(next.retryAt), ctx.clock.now() + 1));
          })
          .catch((e) => ctx.report(e, 'wake'));
      },
      Math.max(0, at - ctx.clock.now()),
    );
  }
}
