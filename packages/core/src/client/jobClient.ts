import { JobGateError, toJobGateError } from '../domain/errors.js';
import type { Job, JsonObject } from '../domain/job.js';
import { isTerminal } from '../domain/jobStatus.js';
import { type ClientMachine, clientMachine } from './clientMachine.js';
import type { JobClientOptions } from './jobClientOptions.js';
import { IDLE_STATE, type JobClientState, stateFromJob } from './jobClientState.js';
import { needsConfirm } from './jobHelpers.js';
import type { ReadableStore } from './stateStore.js';
import { submitJob } from './submitJob.js';
import type { ClientFile } from './uploadFiles.js';

/**
 * The browser side of the lifecycle, one per UI that runs jobs (one per `useTool`).
 * `run` follows the lifecycle's flow (docs/lifecycle.md): a synchronous lock, the active-job check, a client-chosen
 * job id, uploads, `POST /jobs`, live updates with a polling fallback, and on any error a
 * failsafe cancel of that job id. The UI reads {@link JobClient.getSnapshot} and
 * {@link JobClient.subscribe}.
 */
export class JobClient implements ReadableStore<JobClientState> {
  readonly #options: JobClientOptions;
  readonly #m: ClientMachine;

  constructor(options: JobClientOptions) {
    this.#options = options;
    this.#m = clientMachine(options);
  }

  getSnapshot = (): JobClientState => this.#m.store.getSnapshot();

  subscribe = (listener: () => void): (() => void) => this.#m.store.subscribe(listener);

  /** Listeners subscribed to the state (0 after every UI unsubscribed). */
  get listenerCount(): number {
    return this.#m.store.listenerCount;
  }

  /** True while the client follows a job (an update subscription or polling is open). */
  get isWatching(): boolean {
    return this.#m.watching();
  }

  /**
   * Runs `tool` with `input`. `files` maps input fields to files: they are uploaded first
   * and the field gets the storage path. Resolves with the completed job; rejects with a
   * JobGateError: CLIENT_BUSY at once while another run holds the lock (nothing is sent,
   * the state is untouched), ACTIVE_JOB_EXISTS when the user has another active job (the
   * state is then `blocked`), or the error of the failed job.
   */
  run(tool: string, input: JsonObject, files?: Readonly<Record<string, ClientFile>>): Promise<Job> {
    const m = this.#m;
    const [session, promise] = m.lock({ ...IDLE_STATE, status: 'starting', tool, isBusy: true });
    if (session) void submitJob({ ...this.#options, tool, input, files, machine: m, session });
    return promise;
  }

  /**
   * Follows an existing job (e.g. the active job that blocked a run) until it ends. Takes
   * the lock like `run`; resolves with the completed job or rejects with its error.
   */
  follow(jobId: string): Promise<Job> {
    const m = this.#m;
    const known = this.getSnapshot().job;
    // The job on screen (the one that blocked a run) is followed as it is, without a read.
    const shown = known && known.id === jobId && !isTerminal(known.status) ? known : null;
    const [session, promise] = m.lock(
      shown
        ? stateFromJob(shown, shown.tool)
        : { ...IDLE_STATE, status: 'starting', jobId, isBusy: true },
    );
    if (session && shown) m.answer(session, shown, jobId, false);
    else if (session) {
      this.#options.transport.get(jobId, session.signal).then(
        (job) => m.answer(session, job, jobId, false),
        (error: unknown) => m.fail(session, error, jobId, false),
      );
    }
    return promise;
  }

  /**
   * Asks the server for the user's active job without starting anything: `blocked` with
   * it (followed live until it ends), or `idle`. Does nothing while the lock is held.
   */
  async checkActive(): Promise<Job | null> {
    const m = this.#m;
    if (m.locked()) return null;
    const session = m.begin();
    try {
      const active = await this.#options.transport.active(session.signal);
      if (!session.current()) return null;
      if (active && !isTerminal(active.status)) {
        m.block(session, active);
        return active;
      }
      m.store.set(IDLE_STATE);
      return null;
    } catch (error) {
      const err = toJobGateError(error, 'NETWORK_ERROR');
      if (session.current()) m.store.set({ ...IDLE_STATE, error: err });
      throw err;
    }
  }

  /**
   * Cancels the job on screen. During the request phase the request is aborted and the
   * failsafe cancel sent. A job that really waits in the queue, or runs, is cancelled only
   * with `confirm` (else CONFIRM_REQUIRED, nothing sent). When `blocked`, cancels the
   * blocking job; the state becomes `idle` so the user can run again.
   */
  async cancel(confirm = false): Promise<Job | null> {
    const m = this.#m;
    const state = this.getSnapshot();
    const { job, status } = state;
    const session = m.session();
    if (m.requesting()) {
      m.cancelling(true);
      return null;
    }
    if (!job || !session || isTerminal(job.status) || (status !== 'blocked' && !m.locked())) {
      return null;
    }
    if (needsConfirm(job) && !confirm) {
      const err = new JobGateError(
        'CONFIRM_REQUIRED',
        `the job ${job.status === 'running' ? 'runs' : `is number ${job.position} in the queue`}: confirm to cancel it`,
        { jobId: job.id },
      );
      if (status === 'blocked') m.store.set({ ...state, error: err });
      throw err;
    }
    m.cancelling(true);
    try {
      const result = await this.#options.transport.cancel(job.id, confirm ? { confirm: true } : {});
      m.onJob(session, result);
      return result;
    } catch (error) {
      const err = toJobGateError(error, 'INTERNAL', job.id);
      if (session.current()) {
        m.cancelling(false);
        const now = this.getSnapshot();
        if (now.status === 'blocked') m.store.set({ ...now, error: err });
      }
      throw err;
    }
  }

  /**
   * Back to `idle`, releasing the lock. A run still in its request phase is aborted and
   * its job id cancelled (failsafe); a job already running on the server keeps running
   * (it is no longer followed; `checkActive` or the next `run` finds it).
   */
  reset(): void {
    this.#m.reset();
  }

  /**
   * Stops every subscription, request and timer (call it when the UI unmounts). Like
   * `reset`, plus the timeout timer of a failsafe cancel still in flight is dropped (the
   * request itself is left to finish). The client stays usable.
   */
  dispose(): void {
    this.reset();
    this.#m.failsafe.dispose();
  }
}

/** Creates a {@link JobClient}. */
export function createJobClient(options: JobClientOptions): JobClient {
  return new JobClient(options);
}
