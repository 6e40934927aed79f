import type { Job } from '../domain/job.js';

/**
 * Credits. Both methods are idempotent by job id: a retry never charges twice, and a
 * refund is paid at most once (and only for a job that was charged). `charge` throws
 * INSUFFICIENT_CREDITS when the user cannot pay, with the balance in the error's details.
 */
export interface Billing {
  charge(job: Job): Promise<void>;
  refund(job: Job): Promise<void>;
}

/** A user's credits: the total and each bucket (e.g. `{ monthly: 3, lifetime: 40 }`). */
export interface CreditBalance {
  userId: string;
  total: number;
  buckets: Record<string, number>;
}

export type LedgerKind = 'charge' | 'refund' | 'grant' | 'adjust';

/** One movement of credits. Ledgers are append-only: a correction is a new `adjust` entry. */
export interface LedgerEntry {
  id: number;
  userId: string;
  /** The job of a charge or refund (null for grants and adjustments). */
  jobId: string | null;
  kind: LedgerKind;
  /** What moved in each bucket, signed: a charge of 5 may be `{ monthly: -3, lifetime: -2 }`. */
  amounts: Record<string, number>;
  /** The sum of `amounts` (negative for a charge). */
  amount: number;
  tool: string | null;
  note: string | null;
  /** ISO time of the entry (the database clock for the SQL ledger). */
  createdAt: string;
}

/** The provider's reported cost of a job (RunningHub: coins or seconds), for margins. */
export interface ProviderCost {
  cost: number;
  /** What `cost` counts, e.g. `coins`, `seconds`, `usd`. */
  unit: string;
}

/**
 * A ledger jobgate owns (MemoryBilling, PostgresBilling): Billing plus balances in ordered
 * buckets, grants, adjustments and the entries themselves. The conformance suite in
 * @jobgate/testkit holds every implementation to the same rules.
 */
export interface CreditLedger extends Billing {
  /** The buckets a charge spends, in order (e.g. `['monthly', 'lifetime']`). */
  readonly buckets: readonly string[];
  /** Adds credits to a bucket (a purchase, a top-up). `amount` > 0. */
  grant(userId: string, bucket: string, amount: number, note?: string): Promise<CreditBalance>;
  /**
   * A signed correction of one bucket; with `set`, `amount` is the bucket's new value (a
   * monthly reset). A bucket never goes below zero: INSUFFICIENT_CREDITS instead.
   */
  adjust(
    userId: string,
    bucket: string,
    amount: number,
    options?: { note?: string; set?: boolean },
  ): Promise<CreditBalance>;
  balance(userId: string): Promise<CreditBalance>;
  /** Entries of a user or a job, newest first. */
  entries(query: { userId?: string; jobId?: string; limit?: number }): Promise<LedgerEntry[]>;
  /** Records the provider's cost of a job; the first report wins (returns false after). */
  recordCost(job: Job, cost: ProviderCost): Promise<boolean>;
}
