import { JobGateError, toJobGateError } from '../domain/errors.js';
import type { Job } from '../domain/job.js';
import { isTerminal } from '../domain/jobStatus.js';
import { systemClock } from '../ports/clock.js';
import { type FailsafeCancel, failsafeCancel } from './failsafeCancel.js';
import type { JobClientOptions } from './jobClientOptions.js';
import { blockedState, IDLE_STATE, type JobClientState, stateAfterJob } from './jobClientState.js';
import { jobError, noop } from './jobHelpers.js';
import { pollingUpdates } from './pollingUpdates.js';
import { createStateStore, type StateStore } from './stateStore.js';
import { watchJob } from './watchJob.js';

/** One run, follow or check. Every continuation asks `current()` first. */
export interface ClientSession {
  readonly signal: AbortSignal;
  /** False once a newer session began or the client was reset: then nothing more is shown. */
  current(): boolean;
}

export interface ClientMachine {
  /** The snapshot the UI reads (`useSyncExternalStore`). */
  readonly store: StateStore<JobClientState>;
  readonly failsafe: FailsafeCancel;
  /** The lock is held: a run or follow is under way. */
  locked(): boolean;
  /** A job is followed (an update subscription or polling is open). */
  watching(): boolean;
  /** A request of the run is in flight (active check, upload, submit), not yet following. */
  requesting(): boolean;
  /** The latest session; null after a reset. */
  session(): ClientSession | null;
  /** A new session: the old one's requests are aborted and its job no longer followed. */
  begin(): ClientSession;
  /**
   * A new session that holds the lock, shown as `state`, its request under way; the promise
   * settles when its job ends. While the lock is held: no session, and CLIENT_BUSY at once
   * (nothing sent, the state untouched).
   */
  lock(state: JobClientState): [ClientSession | null, Promise<Job>];
  /**
   * The user cancelled (or, with false, the cancel failed): the run's end is then no
   * failure. A request in flight is aborted.
   */
  cancelling(on: boolean): void;
  /** A job from the server: shown, and the end of the run when it is over. */
  onJob(session: ClientSession, job: Job): void;
  /** The server's answer to a submit or a read: shown, then followed while it is not over. */
  answer(session: ClientSession, job: Job, jobId: string, own: boolean): void;
  /** The user's other active job stands in the way: the lock is released, the job followed. */
  block(session: ClientSession, job: Job): void;
  /** `failsafe`: the job id may name a job the server took (our submit, or our run). */
  fail(session: ClientSession, error: unknown, jobId: string | undefined, failsafe: boolean): void;
  /** Back to idle: the lock is released, a run still in its request phase has its job id cancelled. */
  reset(): void;
}

/**
 * The client's states and transitions. Only the current session may change the state, so
 * an answer that arrives after a reset or a newer run is dropped; the lock is held from
 * `lock` to the job's end, a block, a failure or a reset.
 */
export function clientMachine(options: JobClientOptions): ClientMachine {
  const { transport, clock = systemClock } = options;
  const store = createStateStore<JobClientState>(IDLE_STATE);
  const failsafe = failsafeCancel(transport, clock, options.failsafeTimeoutMs ?? 10_000);
  const poller = pollingUpdates({ ...options.poll, transport, clock });
  let latest: ClientSession | null = null;
  let locked = false;
  let requesting = false;
  let abort: AbortController | null = null;
  let unwatch: (() => void) | null = null;
  let pending: { resolve(job: Job): void; reject(error: JobGateError): void } | null = null;
  let cancelRequested = false;

  const stopWatch = () => {
    unwatch?.();
    unwatch = null;
  };
  const stop = () => {
    abort?.abort();
    abort = null;
    stopWatch();
    requesting = false;
  };
  const begin = (): ClientSession => {
    stop();
    const controller = new AbortController();
    const session: ClientSession = { signal: controller.signal, current: () => latest === session };
    latest = session;
    abort = controller;
    cancelRequested = false;
    return session;
  };
  // The promise is taken before the state is shown, so that a listener starting a new run
  // keeps its own.
  const end = (next: JobClientState, error: JobGateError | null, job?: Job) => {
    locked = false;
    abort = null;
    const settled = pending;
    pending = null;
    store.set(next);
    if (error) settled?.reject(error);
    else if (job) settled?.resolve(job);
  };
  const onJob = (session: ClientSession, job: Job) => {
    const state = store.getSnapshot();
    const next = session.current() && stateAfterJob(state, job, cancelRequested);
    if (!next) return;
    if (isTerminal(job.status)) stopWatch();
    // A blocking job that changes or ends leaves the lock as it is: it was never ours.
    if (!isTerminal(job.status) || state.status === 'blocked') store.set(next);
    else end(next, job.status === 'completed' ? null : jobError(job), job);
  };
  const fail = (
    session: ClientSession,
    error: unknown,
    jobId: string | undefined,
    withFailsafe: boolean,
  ) => {
    if (!session.current()) return;
    const err = cancelRequested
      ? new JobGateError('CANCELLED_BY_USER', 'cancelled by the user', { jobId })
      : toJobGateError(error, 'INTERNAL', jobId);
    stopWatch();
    requesting = false;
    if (withFailsafe && jobId) failsafe.send(jobId);
    const { tool, job } = store.getSnapshot();
    end(
      cancelRequested
        ? IDLE_STATE
        : { ...IDLE_STATE, status: 'failed', tool, jobId: jobId ?? null, job, error: err },
      err,
    );
  };
  const watch = (session: ClientSession, jobId: string, own: boolean) => {
    stopWatch();
    unwatch = watchJob(
      { ...options, poller },
      jobId,
      (job) => onJob(session, job),
      (error) => {
        const state = store.getSnapshot();
        if (state.status !== 'blocked') return fail(session, error, jobId, own);
        if (!session.current()) return;
        // Nothing of ours to fail: the block stays, with why it is no longer live.
        stopWatch();
        store.set({ ...state, error: toJobGateError(error, 'NETWORK_ERROR', jobId) });
      },
    );
  };
  const block = (session: ClientSession, job: Job) => {
    requesting = false;
    end(
      blockedState(job),
      new JobGateError(
        'ACTIVE_JOB_EXISTS',
        `another job of yours is ${job.status}: follow it or cancel it first`,
        { jobId: job.id },
      ),
    );
    watch(session, job.id, false);
  };
  const answer = (session: ClientSession, job: Job, jobId: string, own: boolean) => {
    if (!session.current()) return;
    requesting = false;
    onJob(session, job);
    if (!isTerminal(job.status) && session.current()) watch(session, jobId, own);
  };

  return {
    store,
    failsafe,
    locked: () => locked,
    watching: () => unwatch !== null,
    requesting: () => requesting,
    session: () => latest,
    begin,
    lock(state) {
      const session = locked ? null : begin();
      const promise = session
        ? new Promise<Job>((resolve, reject) => {
            pending = { resolve, reject };
          })
        : Promise.reject(
            new JobGateError('CLIENT_BUSY', 'already running a job: wait for it or cancel it'),
          );
      // The state carries every outcome, so a caller that does not await (an onClick
      // handler) must not get an unhandled rejection; one that awaits still sees it.
      promise.catch(noop);
      if (session) {
        locked = true;
        store.set(state);
        requesting = true;
      }
      return [session, promise];
    },
    cancelling(on) {
      cancelRequested = on;
      if (on && requesting) abort?.abort();
    },
    onJob,
    answer,
    block,
    fail,
    reset() {
      const { jobId } = store.getSnapshot();
      const inRequest = locked && requesting;
      latest = null;
      stop();
      if (inRequest && jobId) failsafe.send(jobId);
      end(
        IDLE_STATE,
        new JobGateError(
          'CANCELLED_BY_USER',
          'reset before the job ended (a started job keeps running)',
          { jobId: jobId ?? undefined },
        ),
      );
    },
  };
}
