import { JobGateError, toJobGateError } from '../domain/errors.js';
import type { Job, JsonObject, JsonValue } from '../domain/job.js';
import { isTerminal } from '../domain/jobStatus.js';
import { type Clock, systemClock, type TimerHandle } from '../ports/clock.js';
import { type Uploader, uploadPath } from '../ports/uploader.js';
import { isNotOlder, jobError, needsConfirm, randomJobId } from './jobHelpers.js';
import type { JobTransport, JobUpdateSource } from './jobTransport.js';
import { pollingUpdates } from './pollingUpdates.js';
import { createStateStore, type ReadableStore } from './stateStore.js';

export type JobClientStatus =
  | 'idle'
  | 'uploading'
  | 'starting'
  | 'queued'
  | 'running'
  | 'completed'
  | 'failed'
  | 'blocked';

/**
 * What the UI shows. A new frozen object on every change. Fields that do not apply to the
 * status are null.
 */
export interface JobClientState {
  readonly status: JobClientStatus;
  /** The tool of the run (of the blocking job when `blocked`). */
  readonly tool: string | null;
  readonly jobId: string | null;
  /** The job as last seen (the user's other active job when `blocked`). */
  readonly job: Job | null;
  /** `uploading`: the share of bytes sent, 0..1. `running`: provider progress where it reports one. */
  readonly progress: number | null;
  /** `queued` (and `blocked` by a queued job): the place in the queue, 1 = next. */
  readonly position: number | null;
  /** `completed`: the job's output. */
  readonly output: JsonValue | null;
  /** `failed`: why. `blocked`: a failed cancel (e.g. CONFIRM_REQUIRED). `idle`: a failed active-job check. */
  readonly error: JobGateError | null;
  /** The lock is held: `run` and `follow` are refused with CLIENT_BUSY. */
  readonly isBusy: boolean;
  /** Cancelling `job` needs `cancel(true)`: it really waits in the queue, or runs. */
  readonly needsConfirm: boolean;
}

export const IDLE_STATE: JobClientState = Object.freeze({
  status: 'idle',
  tool: null,
  jobId: null,
  job: null,
  progress: null,
  position: null,
  output: null,
  error: null,
  isBusy: false,
  needsConfirm: false,
});

/** A file for an input field: a Blob/File, or bytes with a name and type. */
export type ClientFile =
  | Blob
  | { data: Blob | Uint8Array; name?: string | undefined; contentType?: string | undefined };

export interface JobClientOptions {
  transport: JobTransport;
  /** Live updates (SSE, Supabase Realtime). Default: polling over the transport. */
  updates?: JobUpdateSource;
  /** Needed to pass files to `run`. */
  uploader?: Uploader;
  /** The user id for upload paths `{tool}/{userId}/{jobId}/{name}`. Needed with files. */
  userId?: string | (() => string | null | undefined | Promise<string | null | undefined>);
  /** Polling (the default source, and the fallback when `updates` fails). */
  poll?: { intervalMs?: number; maxIntervalMs?: number };
  /** Bound on the failsafe cancel sent after an error. Default 10 s. */
  failsafeTimeoutMs?: number;
  /** Job ids; default `crypto.randomUUID()`. */
  generateId?: () => string;
  clock?: Clock;
}

interface Pending {
  resolve(job: Job): void;
  reject(error: JobGateError): void;
}

interface Watch {
  stop(): void;
}

const noop = () => {};

/**
 * The state carries every outcome, so a caller that does not await (an onClick handler)
 * must not get an unhandled rejection; one that awaits still sees it.
 */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(noop);
  return promise;
}

/**
 * The browser side of the lifecycle, one per UI that runs jobs (one per `useJobRunner`).
 * `run` follows DESIGN's flow: a synchronous lock, the active-job check, a client-chosen
 * job id, uploads, `POST /jobs`, live updates with a polling fallback, and on any error a
 * failsafe cancel of that job id. The UI reads {@link JobClient.getSnapshot} and
 * {@link JobClient.subscribe}.
 */
export class JobClient implements ReadableStore<JobClientState> {
  readonly #transport: JobTransport;
  readonly #updates: JobUpdateSource | undefined;
  readonly #poller: JobUpdateSource;
  readonly #options: JobClientOptions;
  readonly #clock: Clock;
  readonly #store = createStateStore<JobClientState>(IDLE_STATE);
  #locked = false;
  /** Bumped by every run/follow/check/reset: continuations of an older session do nothing. */
  #session = 0;
  /** A request of the run is in flight (active check, upload, submit), not yet following. */
  #requesting = false;
  #abort: AbortController | null = null;
  #watch: Watch | null = null;
  #pending: Pending | null = null;
  #cancelRequested = false;
  #failsafe: { promise: Promise<void>; timer: TimerHandle | null } | null = null;

  constructor(options: JobClientOptions) {
    this.#options = options;
    this.#transport = options.transport;
    this.#updates = options.updates;
    this.#clock = options.clock ?? systemClock;
    this.#poller = pollingUpdates({
      transport: options.transport,
      intervalMs: options.poll?.intervalMs,
      maxIntervalMs: options.poll?.maxIntervalMs,
      clock: this.#clock,
    });
  }

  getSnapshot = (): JobClientState => this.#store.getSnapshot();

  subscribe = (listener: () => void): (() => void) => this.#store.subscribe(listener);

  /** Listeners subscribed to the state (0 after every UI unsubscribed). */
  get listenerCount(): number {
    return this.#store.listenerCount;
  }

  /** True while the client follows a job (an update subscription or polling is open). */
  get isWatching(): boolean {
    return this.#watch !== null;
  }

  /**
   * Runs `tool` with `input`. `files` maps input fields to files: they are uploaded first
   * and the field gets the storage path. Resolves with the completed job; rejects with a
   * JobGateError: CLIENT_BUSY at once while another run holds the lock (nothing is sent,
   * the state is untouched), ACTIVE_JOB_EXISTS when the user has another active job (the
   * state is then `blocked`), or the error of the failed job.
   */
  run(tool: string, input: JsonObject, files?: Readonly<Record<string, ClientFile>>): Promise<Job> {
    if (this.#locked) return quiet(Promise.reject(busyError()));
    this.#locked = true;
    const session = this.#begin();
    const promise = this.#promise();
    this.#set({ ...IDLE_STATE, status: 'starting', tool, isBusy: true });
    void this.#start(session, tool, input, files);
    return promise;
  }

  /**
   * Follows an existing job (e.g. the active job that blocked a run) until it ends. Takes
   * the lock like `run`; resolves with the completed job or rejects with its error.
   */
  follow(jobId: string): Promise<Job> {
    if (this.#locked) return quiet(Promise.reject(busyError()));
    const known = this.getSnapshot().job;
    this.#locked = true;
    const session = this.#begin();
    const promise = this.#promise();
    if (known && known.id === jobId && !isTerminal(known.status)) {
      this.#set(this.#fromJob(known, known.tool));
      this.#watchJob(session, jobId, false);
    } else {
      this.#set({ ...IDLE_STATE, status: 'starting', jobId, isBusy: true });
      this.#requesting = true;
      const signal = this.#abort?.signal;
      this.#transport.get(jobId, signal).then(
        (job) => {
          if (session !== this.#session) return;
          this.#requesting = false;
          this.#onJob(session, job);
          if (!isTerminal(job.status)) this.#watchJob(session, jobId, false);
        },
        (error: unknown) => {
          if (session === this.#session) this.#fail(error, jobId, { failsafe: false });
        },
      );
    }
    return promise;
  }

  /**
   * Asks the server for the user's active job without starting anything: `blocked` with
   * it (followed live until it ends), or `idle`. Does nothing while the lock is held.
   */
  async checkActive(): Promise<Job | null> {
    if (this.#locked) return null;
    const session = this.#begin();
    try {
      const active = await this.#transport.active(this.#abort?.signal);
      if (session !== this.#session) return null;
      this.#abort = null;
      if (active && !isTerminal(active.status)) {
        this.#block(session, active);
        return active;
      }
      this.#set(IDLE_STATE);
      return null;
    } catch (error) {
      const err = toJobGateError(error, 'NETWORK_ERROR');
      if (session === this.#session) this.#set({ ...IDLE_STATE, error: err });
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
    const state = this.getSnapshot();
    if (this.#locked && this.#requesting) {
      this.#cancelRequested = true;
      this.#abort?.abort();
      return null;
    }
    const job = state.job;
    if (!job || isTerminal(job.status) || (state.status !== 'blocked' && !this.#locked)) {
      return null;
    }
    const blocked = state.status === 'blocked';
    if (needsConfirm(job) && !confirm) {
      const err = new JobGateError(
        'CONFIRM_REQUIRED',
        `the job ${job.status === 'running' ? 'runs' : `is number ${job.position} in the queue`}: confirm to cancel it`,
        { jobId: job.id },
      );
      if (blocked) this.#set({ ...state, error: err });
      throw err;
    }
    const session = this.#session;
    this.#cancelRequested = true;
    try {
      const result = await this.#transport.cancel(job.id, confirm ? { confirm: true } : {});
      if (session === this.#session) this.#onJob(session, result);
      return result;
    } catch (error) {
      const err = toJobGateError(error, 'INTERNAL', job.id);
      if (session === this.#session) {
        this.#cancelRequested = false;
        const now = this.getSnapshot();
        if (now.status === 'blocked') this.#set({ ...now, error: err });
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
    const state = this.getSnapshot();
    const inRequest = this.#locked && this.#requesting;
    this.#session++;
    this.#abort?.abort();
    this.#abort = null;
    this.#stopWatch();
    this.#requesting = false;
    this.#locked = false;
    if (inRequest && state.jobId) this.#sendFailsafe(state.jobId);
    const pending = this.#pending;
    this.#pending = null;
    pending?.reject(
      new JobGateError(
        'CANCELLED_BY_USER',
        'reset before the job ended (a started job keeps running)',
        { jobId: state.jobId ?? undefined },
      ),
    );
    this.#set(IDLE_STATE);
  }

  /**
   * Stops every subscription, request and timer (call it when the UI unmounts). Like
   * `reset`, plus the timeout timer of a failsafe cancel still in flight is dropped (the
   * request itself is left to finish). The client stays usable.
   */
  dispose(): void {
    this.reset();
    if (this.#failsafe?.timer != null) this.#clock.clearTimeout(this.#failsafe.timer);
    if (this.#failsafe) this.#failsafe.timer = null;
  }

  // ———————————————————————————————————————— internals

  #set(next: JobClientState): void {
    this.#store.set(next);
  }

  #begin(): number {
    this.#session++;
    this.#stopWatch();
    this.#abort?.abort();
    this.#abort = new AbortController();
    this.#cancelRequested = false;
    this.#requesting = false;
    const pending = this.#pending;
    this.#pending = null;
    pending?.reject(busyError());
    return this.#session;
  }

  #promise(): Promise<Job> {
    return quiet(
      new Promise<Job>((resolve, reject) => {
        this.#pending = { resolve, reject };
      }),
    );
  }

  async #start(
    session: number,
    tool: string,
    input: JsonObject,
    files: Readonly<Record<string, ClientFile>> | undefined,
  ): Promise<void> {
    const signal = this.#abort?.signal;
    let jobId: string | undefined;
    let uploaded: string[] = [];
    let submitted = false;
    this.#requesting = true;
    try {
      if (this.#failsafe) await this.#failsafe.promise;
      if (session !== this.#session) return;
      const active = await this.#transport.active(signal);
      if (session !== this.#session) return;
      if (active && !isTerminal(active.status)) {
        this.#requesting = false;
        this.#block(session, active);
        return;
      }
      const id = (this.#options.generateId ?? randomJobId)();
      jobId = id;
      let finalInput = input;
      if (files && Object.keys(files).length > 0) {
        this.#set({ ...IDLE_STATE, status: 'uploading', tool, jobId, progress: 0, isBusy: true });
        const result = await this.#upload(session, tool, id, files, signal, (paths) => {
          uploaded = paths;
        });
        if (session !== this.#session) return;
        finalInput = { ...input, ...result };
      }
      this.#set({ ...IDLE_STATE, status: 'starting', tool, jobId, isBusy: true });
      submitted = true;
      const job = await this.#transport.submit({ jobId, tool, input: finalInput }, signal);
      if (session !== this.#session) return;
      this.#requesting = false;
      this.#onJob(session, job);
      if (!isTerminal(job.status) && session === this.#session) {
        this.#watchJob(session, jobId, true);
      }
    } catch (error) {
      if (session !== this.#session) return;
      const err = toJobGateError(error, 'INTERNAL', jobId);
      if (err.code === 'ACTIVE_JOB_EXISTS' && !this.#cancelRequested) {
        // Another tab started a job between our check and our submit: show it.
        const other = await this.#transport.active().catch(() => null);
        if (session === this.#session && other && !isTerminal(other.status)) {
          if (jobId) this.#sendFailsafe(jobId);
          this.#requesting = false;
          this.#block(session, other);
          return;
        }
      }
      if (session !== this.#session) return;
      if (!submitted && uploaded.length > 0) {
        this.#options.uploader?.remove(uploaded).catch(noop);
      }
      this.#fail(err, jobId, { failsafe: true });
    }
  }

  async #upload(
    session: number,
    tool: string,
    jobId: string,
    files: Readonly<Record<string, ClientFile>>,
    signal: AbortSignal | undefined,
    onUploaded: (paths: string[]) => void,
  ): Promise<Record<string, string>> {
    const uploader = this.#options.uploader;
    if (!uploader) {
      throw new JobGateError('VALIDATION', 'files need an uploader', {
        jobId,
      });
    }
    const source = this.#options.userId;
    const userId = typeof source === 'function' ? await source() : source;
    if (!userId) {
      throw new JobGateError('UNAUTHENTICATED', 'no user id for the upload path', { jobId });
    }
    const entries = Object.entries(files).map(([field, file]) => {
      const blobLike = isBlob(file);
      const data = blobLike ? file : file.data;
      const given = blobLike ? (file as { name?: unknown }).name : file.name;
      const contentType =
        (blobLike ? file.type : file.contentType) ||
        (isBlob(data) ? data.type : '') ||
        'application/octet-stream';
      const name = `${field}${extension(typeof given === 'string' ? given : '', contentType)}`;
      // Validates every segment before anything is sent.
      uploadPath({ tool, userId, jobId, name });
      const size = isBlob(data) ? data.size : data.byteLength;
      return { field, data, contentType, name, size };
    });
    const total = entries.reduce((sum, e) => sum + e.size, 0) || 1;
    const sent = entries.map(() => 0);
    const report = () => {
      if (session !== this.#session) return;
      const progress = Math.min(1, sent.reduce((a, b) => a + b, 0) / total);
      const state = this.getSnapshot();
      if (state.status === 'uploading' && state.progress !== progress) {
        this.#set({ ...state, progress });
      }
    };
    const paths: string[] = [];
    const results = await Promise.allSettled(
      entries.map(async (entry, i) => {
        const result = await uploader.upload(
          {
            tool,
            userId,
            jobId,
            name: entry.name,
            contentType: entry.contentType,
            data: entry.data,
          },
          {
            ...(signal ? { signal } : {}),
            onProgress: (fraction) => {
              sent[i] = Math.max(0, Math.min(1, fraction)) * entry.size;
              report();
            },
          },
        );
        paths.push(result.path);
        sent[i] = entry.size;
        report();
        return [entry.field, result.path] as const;
      }),
    );
    onUploaded(paths);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw toJobGateError(failed.reason, 'STORAGE_ERROR', jobId);
    return Object.fromEntries(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])));
  }

  #fromJob(job: Job, tool: string | null): JobClientState {
    const status: JobClientStatus =
      job.status === 'cancelled' || job.status === 'failed' ? 'failed' : job.status;
    return {
      status,
      tool: tool ?? job.tool,
      jobId: job.id,
      job,
      progress: job.status === 'running' ? job.progress : null,
      position: job.status === 'queued' ? job.position : null,
      output: job.status === 'completed' ? job.output : null,
      error: status === 'failed' ? jobError(job) : null,
      isBusy: !isTerminal(job.status),
      needsConfirm: needsConfirm(job),
    };
  }

  /** A job from the server (submit answer, update, poll, cancel answer). */
  #onJob(session: number, job: Job): void {
    if (session !== this.#session) return;
    const state = this.getSnapshot();
    if (state.jobId !== null && job.id !== state.jobId) return;
    if (state.job && isTerminal(state.job.status)) return;
    if (!isNotOlder(job, state.job)) return;
    if (state.job && sameView(state.job, job)) return;
    if (state.status === 'blocked') {
      if (isTerminal(job.status)) {
        this.#stopWatch();
        this.#set(IDLE_STATE);
      } else {
        this.#set({ ...this.#fromJob(job, job.tool), status: 'blocked', isBusy: false });
      }
      return;
    }
    if (!isTerminal(job.status)) {
      this.#set(this.#fromJob(job, state.tool));
      return;
    }
    this.#stopWatch();
    this.#locked = false;
    this.#abort = null;
    const pending = this.#pending;
    this.#pending = null;
    if (job.status === 'completed') {
      this.#set(this.#fromJob(job, state.tool));
      pending?.resolve(job);
      return;
    }
    const err = jobError(job);
    const byUs = this.#cancelRequested && job.status === 'cancelled';
    this.#set(byUs ? IDLE_STATE : this.#fromJob(job, state.tool));
    pending?.reject(err);
  }

  #block(session: number, job: Job): void {
    this.#locked = false;
    this.#abort = null;
    this.#set({ ...this.#fromJob(job, job.tool), status: 'blocked', isBusy: false });
    const pending = this.#pending;
    this.#pending = null;
    pending?.reject(
      new JobGateError(
        'ACTIVE_JOB_EXISTS',
        `another job of yours is ${job.status}: follow it or cancel it first`,
        { jobId: job.id },
      ),
    );
    this.#watchJob(session, job.id, false);
  }

  #fail(error: unknown, jobId: string | undefined, options: { failsafe: boolean }): void {
    const userCancelled = this.#cancelRequested;
    const err = userCancelled
      ? new JobGateError('CANCELLED_BY_USER', 'cancelled by the user', { jobId })
      : toJobGateError(error, 'INTERNAL', jobId);
    this.#stopWatch();
    this.#abort = null;
    this.#requesting = false;
    if (options.failsafe && jobId) this.#sendFailsafe(jobId);
    this.#locked = false;
    const state = this.getSnapshot();
    this.#set(
      userCancelled
        ? IDLE_STATE
        : {
            ...IDLE_STATE,
            status: 'failed',
            tool: state.tool,
            jobId: jobId ?? null,
            job: state.job,
            error: err,
          },
    );
    const pending = this.#pending;
    this.#pending = null;
    pending?.reject(err);
  }

  /**
   * Step 6 of the flow: asks the server to cancel the job id without confirm (the server
   * cancels only what is not really waiting or running). Fire and forget, bounded by a
   * timeout; the next run waits for it so its active-job check sees the outcome.
   */
  #sendFailsafe(jobId: string): void {
    const controller = new AbortController();
    const entry: { promise: Promise<void>; timer: TimerHandle | null } = {
      promise: Promise.resolve(),
      timer: null,
    };
    entry.timer = this.#clock.setTimeout(() => {
      entry.timer = null;
      controller.abort();
    }, this.#options.failsafeTimeoutMs ?? 10_000);
    entry.promise = this.#transport
      .cancel(jobId, {}, controller.signal)
      .then(noop, noop)
      .finally(() => {
        if (entry.timer !== null) this.#clock.clearTimeout(entry.timer);
        entry.timer = null;
        if (this.#failsafe === entry) this.#failsafe = null;
      });
    this.#failsafe = entry;
  }

  /**
   * Follows `jobId`: the update source, falling back to polling with backoff when it
   * fails, and a refresh when the tab becomes visible again.
   */
  #watchJob(session: number, jobId: string, own: boolean): void {
    this.#stopWatch();
    let stopped = false;
    let unsubscribe: () => void = noop;
    const refresh = new AbortController();
    const onJob = (job: Job) => {
      if (!stopped) this.#onJob(session, job);
    };
    const fatal = (error: unknown) => {
      if (stopped || session !== this.#session) return;
      const state = this.getSnapshot();
      if (state.status === 'blocked') {
        this.#stopWatch();
        this.#set({ ...state, error: toJobGateError(error, 'NETWORK_ERROR', jobId) });
      } else {
        this.#fail(error, jobId, { failsafe: own });
      }
    };
    const subscribe = (source: JobUpdateSource, onError: (error: unknown) => void) => {
      unsubscribe = source.subscribe(jobId, onJob, onError);
    };
    if (this.#updates) {
      subscribe(this.#updates, () => {
        if (stopped) return;
        unsubscribe();
        subscribe(this.#poller, fatal);
      });
    } else {
      subscribe(this.#poller, fatal);
    }
    const doc = typeof document === 'undefined' ? undefined : document;
    const onVisible = () => {
      if (stopped || doc?.visibilityState !== 'visible') return;
      this.#transport.get(jobId, refresh.signal).then(onJob, noop);
    };
    doc?.addEventListener('visibilitychange', onVisible);
    const watch: Watch = {
      stop: () => {
        if (stopped) return;
        stopped = true;
        unsubscribe();
        refresh.abort();
        doc?.removeEventListener('visibilitychange', onVisible);
        if (this.#watch === watch) this.#watch = null;
      },
    };
    this.#watch = watch;
  }

  #stopWatch(): void {
    this.#watch?.stop();
    this.#watch = null;
  }
}

/** Creates a {@link JobClient}. */
export function createJobClient(options: JobClientOptions): JobClient {
  return new JobClient(options);
}

/** Nothing the UI shows changed (an update source repeating what the submit answered). */
function sameView(a: Job, b: Job): boolean {
  return (
    a.id === b.id &&
    a.status === b.status &&
    a.updatedAt === b.updatedAt &&
    a.position === b.position &&
    a.progress === b.progress
  );
}

function busyError(): JobGateError {
  return new JobGateError('CLIENT_BUSY', 'already running a job: wait for it or cancel it');
}

function isBlob(value: unknown): value is Blob {
  return typeof Blob !== 'undefined' && value instanceof Blob;
}

/** `.png` from the file name, else from the content type (`image/webp` → `.webp`), else none. */
function extension(name: string, contentType: string): string {
  const ext =
    /\.([A-Za-z0-9]{1,8})$/.exec(name)?.[1] ?? /^\w+\/([a-z0-9]{1,8})$/.exec(contentType)?.[1];
  return ext ? `.${ext.toLowerCase()}` : '';
}
