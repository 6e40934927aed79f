/** A limit: at most `limit` requests per `windowMs`. */
export interface RateRule {
  limit: number;
  windowMs: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Requests left in the window (0 when refused). */
  remaining: number;
  /** When refused: milliseconds until a request may succeed. */
  retryAfterMs: number;
}

export type RateAlgorithm = 'fixed' | 'sliding';

/**
 * Counts requests per key (the handler uses `{route}:{userId}`). `now` comes from the
 * runner's clock, so limits are tested with a FakeClock. Every hit counts, refused or not:
 * rapid clicking does not get through by persistence.
 */
export interface RateLimiter {
  hit(key: string, rule: RateRule, now: number): Promise<RateDecision>;
}

/** Start of the fixed window that contains `now` (windows are aligned to the epoch). */
export const windowStart = (now: number, windowMs: number): number =>
  Math.floor(now / windowMs) * windowMs;

/**
 * The decision from a window's counters. Fixed: the hits of the current window. Sliding
 * (the sliding-window counter): the previous window's hits weighted by how much of it still
 * overlaps the sliding window, plus the current window's hits.
 */
export function decide(
  algorithm: RateAlgorithm,
  rule: RateRule,
  now: number,
  hits: number,
  previousHits: number,
): RateDecision {
  const start = windowStart(now, rule.windowMs);
  const elapsed = (now - start) / rule.windowMs;
  if (algorithm === 'fixed') {
    const allowed = hits <= rule.limit;
    return {
      allowed,
      remaining: Math.max(0, rule.limit - hits),
      retryAfterMs: allowed ? 0 : start + rule.windowMs - now,
    };
  }
  const estimate = previousHits * (1 - elapsed) + hits;
  const allowed = estimate <= rule.limit;
  let retryAfterMs = 0;
  if (!allowed) {
    // The previous window's weight falls linearly; if the current window alone is over the
    // limit, only the next window helps.
    const excess = estimate - rule.limit;
    retryAfterMs =
      previousHits > 0 && hits <= rule.limit
        ? Math.ceil((excess / previousHits) * rule.windowMs)
        : start + rule.windowMs - now;
    retryAfterMs = Math.max(1, Math.min(retryAfterMs, start + rule.windowMs - now));
  }
  return { allowed, remaining: Math.max(0, Math.floor(rule.limit - estimate)), retryAfterMs };
}

/** In-process counters: for one process (tests, a single Node server). */
export class MemoryRateLimiter implements RateLimiter {
  readonly #algorithm: RateAlgorithm;
  readonly #windows = new Map<string, { start: number; hits: number; previous: number }>();

  constructor(options: { algorithm?: RateAlgorithm } = {}) {
    this.#algorithm = options.algorithm ?? 'fixed';
  }

  async hit(key: string, rule: RateRule, now: number): Promise<RateDecision> {
    const start = windowStart(now, rule.windowMs);
    const id = `${rule.windowMs}:${key}`;
    const current = this.#windows.get(id);
    let next: { start: number; hits: number; previous: number };
    if (current && current.start === start) next = { ...current, hits: current.hits + 1 };
    else if (current && current.start === start - rule.windowMs)
      next = { start, hits: 1, previous: current.hits };
    else next = { start, hits: 1, previous: 0 };
    this.#windows.set(id, next);
    if (this.#windows.size > 10_000) this.#prune(now, rule.windowMs);
    return decide(this.#algorithm, rule, now, next.hits, next.previous);
  }

  #prune(now: number, windowMs: number): void {
    for (const [id, w] of this.#windows) if (w.start < now - 2 * windowMs) this.#windows.delete(id);
  }
}

/**
 * Counts one hit of `key` in the fixed window starting at `windowStart` (ms) and returns the
 * hits of that window and of the one before it. An atomic counter in a database: the
 * `jobgate_rate_limit_hit` SQL function of @jobgate/postgres, through `postgresRateCounter`
 * (a SQL client) or `supabaseRateCounter` of @jobgate/supabase (supabase-js `.rpc`).
 */
export type RateCounter = (
  key: string,
  windowMs: number,
  windowStart: number,
) => Promise<{ hits: number; previousHits: number }>;

/** A RateLimiter over any atomic counter: the decision of MemoryRateLimiter, the counts kept elsewhere. */
export function counterRateLimiter(
  count: RateCounter,
  options: { algorithm?: RateAlgorithm } = {},
): RateLimiter {
  const algorithm = options.algorithm ?? 'fixed';
  return {
    async hit(key, rule, now) {
      const { hits, previousHits } = await count(
        key,
        rule.windowMs,
        windowStart(now, rule.windowMs),
      );
      return decide(algorithm, rule, now, hits, previousHits);
    },
  };
}
