import { JobGateError } from './errors.js';
import type { Job } from './job.js';

/**
 * Credits. Both methods are idempotent by job id: a retry never charges twice, and a
 * refund is paid at most once. `charge` throws INSUFFICIENT_CREDITS when the user cannot pay.
 */
export interface Billing {
  charge(job: Job): Promise<void>;
  refund(job: Job): Promise<void>;
}

/** An in-memory ledger, for tests and demos. */
export class MemoryBilling implements Billing {
  readonly balances = new Map<string, number>();
  readonly charges = new Map<string, number>();
  readonly refunds = new Map<string, number>();

  constructor(private readonly initialBalance = Number.POSITIVE_INFINITY) {}

  balance(userId: string): number {
    return this.balances.get(userId) ?? this.initialBalance;
  }

  async charge(job: Job): Promise<void> {
    if (this.charges.has(job.id)) return;
    const balance = this.balance(job.userId);
    if (balance < job.userCreditCost) {
      throw new JobGateError(
        'INSUFFICIENT_CREDITS',
        `${job.userCreditCost} credits needed, ${balance} available`,
        { jobId: job.id },
      );
    }
    this.balances.set(job.userId, balance - job.userCreditCost);
    this.charges.set(job.id, job.userCreditCost);
  }

  async refund(job: Job): Promise<void> {
    const charged = this.charges.get(job.id);
    if (charged === undefined || this.refunds.has(job.id)) return;
    this.refunds.set(job.id, charged);
    this.balances.set(job.userId, this.balance(job.userId) + charged);
  }
}
