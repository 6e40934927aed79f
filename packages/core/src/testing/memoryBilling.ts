import { checkBucket, checkBuckets, DEFAULT_BUCKETS } from '../domain/checkBuckets.js';
import { JobGateError } from '../domain/errors.js';
import type { Job } from '../domain/job.js';
import type {
  CreditBalance,
  CreditLedger,
  LedgerEntry,
  LedgerKind,
  ProviderCost,
} from '../ports/billing.js';

export interface MemoryBillingOptions {
  /** Buckets a charge spends, in order. Default `['monthly', 'lifetime']`. */
  buckets?: readonly string[];
  /**
   * Credits every user starts with, granted into the first bucket on first sight. Default
   * Infinity (a demo never runs out); tests of real balances pass 0 and `grant`. A number
   * passed to the constructor instead of options sets this.
   */
  initialBalance?: number;
}

/** An in-memory ledger with the same rules as PostgresBilling, for tests and demos. */
export class MemoryBilling implements CreditLedger {
  readonly buckets: readonly string[];
  readonly #initial: number;
  readonly #balances = new Map<string, Map<string, number>>();
  readonly #entries: LedgerEntry[] = [];
  readonly #costs = new Map<string, ProviderCost>();

  constructor(options: number | MemoryBillingOptions = {}) {
    const o = typeof options === 'number' ? { initialBalance: options } : options;
    this.buckets = checkBuckets(o.buckets ?? DEFAULT_BUCKETS);
    this.#initial = o.initialBalance ?? Number.POSITIVE_INFINITY;
  }

  async charge(job: Job): Promise<void> {
    const existing = this.#find(job.id, 'charge');
    if (existing) {
      if (existing.userId !== job.userId) throw chargedToOther(job.id);
      return;
    }
    // A refund came first (the job ended while this charge was on its way): never charge it.
    if (this.#find(job.id, 'refund')) throw refundedFirst(job.id);
    const held = this.#user(job.userId);
    const amounts: Record<string, number> = {};
    let left = job.userCreditCost;
    let spendable = 0;
    for (const bucket of this.buckets) {
      const have = held.get(bucket) ?? 0;
      spendable += have;
      const take = Math.min(have, left);
      if (take > 0) {
        amounts[bucket] = -take;
        left -= take;
      }
    }
    if (left > 0) {
      throw new JobGateError(
        'INSUFFICIENT_CREDITS',
        `${job.userCreditCost} credits needed, ${spendable} available`,
        {
          jobId: job.id,
          details: { needed: job.userCreditCost, balance: spendable, buckets: bucketsOf(held) },
          publicMessage: `${job.userCreditCost} credits needed, ${spendable} available`,
        },
      );
    }
    this.#append(job.userId, 'charge', amounts, { jobId: job.id, tool: job.tool });
  }

  async refund(job: Job): Promise<void> {
    const charge = this.#find(job.id, 'charge');
    if (this.#find(job.id, 'refund')) return;
    if (!charge) {
      // No charge on record: a marker, so that a charge still on its way is refused.
      this.#append(job.userId, 'refund', {}, { jobId: job.id, tool: job.tool, note: NO_CHARGE });
      return;
    }
    if (charge.userId !== job.userId) throw chargedToOther(job.id);
    const amounts = Object.fromEntries(Object.entries(charge.amounts).map(([b, a]) => [b, -a]));
    this.#append(charge.userId, 'refund', amounts, { jobId: job.id, tool: charge.tool });
  }

  async grant(
    userId: string,
    bucket: string,
    amount: number,
    note?: string,
  ): Promise<CreditBalance> {
    checkBucket(bucket);
    if (!(amount > 0)) throw new JobGateError('VALIDATION', 'a grant must be > 0');
    this.#append(userId, 'grant', { [bucket]: amount }, { note });
    return this.balance(userId);
  }

  async adjust(
    userId: string,
    bucket: string,
    amount: number,
    options: { note?: string; set?: boolean } = {},
  ): Promise<CreditBalance> {
    checkBucket(bucket);
    if (!Number.isFinite(amount) || (options.set && amount < 0)) {
      throw new JobGateError('VALIDATION', 'an adjustment must be a number (>= 0 with set)');
    }
    const have = this.#user(userId).get(bucket) ?? 0;
    const delta = options.set ? amount - have : amount;
    if (have + delta < 0) {
      throw new JobGateError(
        'INSUFFICIENT_CREDITS',
        `bucket ${bucket} holds ${have}, cannot take ${-delta}`,
        { details: { needed: -delta, balance: have, bucket } },
      );
    }
    this.#append(userId, 'adjust', { [bucket]: delta }, { note: options.note });
    return this.balance(userId);
  }

  async balance(userId: string): Promise<CreditBalance> {
    const held = this.#user(userId);
    const buckets = bucketsOf(held);
    const total = Object.values(buckets).reduce((sum, n) => sum + n, 0);
    return { userId, total, buckets };
  }

  async entries(query: {
    userId?: string;
    jobId?: string;
    limit?: number;
  }): Promise<LedgerEntry[]> {
    if (query.userId === undefined && query.jobId === undefined) {
      throw new JobGateError('VALIDATION', 'entries needs a userId or a jobId');
    }
    return this.#entries
      .filter(
        (e) =>
          (query.userId === undefined || e.userId === query.userId) &&
          (query.jobId === undefined || e.jobId === query.jobId),
      )
      .reverse()
      .slice(0, query.limit ?? 100)
      .map((e) => ({ ...e, amounts: { ...e.amounts } }));
  }

  async recordCost(job: Job, cost: ProviderCost): Promise<boolean> {
    if (!(cost.cost >= 0) || !cost.unit) {
      throw new JobGateError('VALIDATION', 'a provider cost is >= 0 with a unit', {
        jobId: job.id,
      });
    }
    if (this.#costs.has(job.id)) return false;
    this.#costs.set(job.id, { cost: cost.cost, unit: cost.unit });
    return true;
  }

  /** The recorded provider cost of a job, if any. */
  cost(jobId: string): ProviderCost | undefined {
    return this.#costs.get(jobId);
  }

  #user(userId: string): Map<string, number> {
    let held = this.#balances.get(userId);
    if (!held) {
      held = new Map();
      this.#balances.set(userId, held);
      if (this.#initial > 0) {
        this.#append(userId, 'grant', { [this.buckets[0]!]: this.#initial }, { note: 'initial' });
      }
    }
    return held;
  }

  #find(jobId: string, kind: 'charge' | 'refund'): LedgerEntry | undefined {
    return this.#entries.find((e) => e.jobId === jobId && e.kind === kind);
  }

  #append(
    userId: string,
    kind: LedgerKind,
    amounts: Record<string, number>,
    extra: { jobId?: string; tool?: string | null; note?: string },
  ): void {
    const held = this.#user(userId);
    for (const [bucket, delta] of Object.entries(amounts)) {
      held.set(bucket, (held.get(bucket) ?? 0) + delta);
    }
    this.#entries.push({
      id: this.#entries.length + 1,
      userId,
      jobId: extra.jobId ?? null,
      kind,
      amounts,
      amount: Object.values(amounts).reduce((sum, n) => sum + n, 0),
      tool: extra.tool ?? null,
      note: extra.note ?? null,
      createdAt: new Date().toISOString(),
    });
  }
}

/** The note of a refund marker: the job was refunded before any charge of it was recorded. */
export const NO_CHARGE =
  'refunded before any charge arrived: a later charge of this job is refused';

function refundedFirst(jobId: string): JobGateError {
  return new JobGateError(
    'CONFLICT',
    'the job was refunded before its charge arrived: it is not charged',
    { jobId },
  );
}

function bucketsOf(held: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...held.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

function chargedToOther(jobId: string): JobGateError {
  return new JobGateError('CONFLICT', 'the job was charged to another user', { jobId });
}
