/** How many event streams may be open at once, and for how long. */
export interface StreamLimits {
  /** Open streams per user; a new one closes that user's oldest. Default 4. */
  maxPerUser: number;
  /** Open streams per job; a new one closes that job's oldest. Default 2. */
  maxPerJob: number;
  /** A stream is closed after this (the client reconnects and resumes). Default 10 min. */
  maxLifetimeMs: number;
}

export const DEFAULT_STREAM_LIMITS: Readonly<StreamLimits> = {
  maxPerUser: 4,
  maxPerJob: 2,
  maxLifetimeMs: 10 * 60_000,
};

interface OpenStream {
  userId: string;
  jobId: string;
  close(): void;
}

/**
 * The event streams this handler holds open, oldest first: opening one past a cap closes the
 * oldest of the user (or of the job), so one user cannot pile up subscriptions and database
 * polls however many streams they open. Per process: with several instances each holds its
 * own (docs/production.md).
 */
export class OpenStreams {
  readonly #limits: StreamLimits;
  readonly #open: OpenStream[] = [];

  constructor(limits: Partial<StreamLimits> = {}) {
    this.#limits = {
      maxPerUser: limits.maxPerUser ?? DEFAULT_STREAM_LIMITS.maxPerUser,
      maxPerJob: limits.maxPerJob ?? DEFAULT_STREAM_LIMITS.maxPerJob,
      maxLifetimeMs: limits.maxLifetimeMs ?? DEFAULT_STREAM_LIMITS.maxLifetimeMs,
    };
  }

  get limits(): Readonly<StreamLimits> {
    return this.#limits;
  }

  /** Registers a stream (closing the oldest past a cap); returns its release. */
  open(userId: string, jobId: string, close: () => void): () => void {
    const stream: OpenStream = { userId, jobId, close };
    const over = (match: (s: OpenStream) => boolean, cap: number) => {
      const mine = this.#open.filter(match);
      for (const old of mine.slice(0, Math.max(0, mine.length - cap + 1))) {
        this.#release(old);
        old.close();
      }
    };
    over((s) => s.jobId === jobId, this.#limits.maxPerJob);
    over((s) => s.userId === userId, this.#limits.maxPerUser);
    this.#open.push(stream);
    return () => this.#release(stream);
  }

  #release(stream: OpenStream): void {
    const at = this.#open.indexOf(stream);
    if (at >= 0) this.#open.splice(at, 1);
  }
}
