import { JobGateError, toJobGateError } from '../domain/errors.js';
import type { Job } from '../domain/job.js';
import { type RefundPolicy, refundDue } from '../domain/refundPolicy.js';
import type { Billing, CreditLedger, ProviderCost } from '../ports/billing.js';
import type { RunnerContext } from './runnerContext.js';
import { untilAborted } from './untilAborted.js';

/**
 * The credits of a job: charged before it takes a slot, and, if it does not complete,
 * refunded or kept by the refund policy. The job's `creditState` in the store is the
 * record; Billing is called only after the store has recorded the intent.
 */
export class CreditSettler {
  readonly #ctx: RunnerContext;
  readonly #billing: Billing | undefined;
  readonly #policy: RefundPolicy;

  constructor(ctx: RunnerContext, billing: Billing | undefined, policy: RefundPolicy = {}) {
    this.#ctx = ctx;
    this.#billing = billing;
    this.#policy = policy;
  }

  /** Whether a job of this price is charged at all (then it is created before it is placed). */
  charges(price: number): boolean {
    return this.#billing !== undefined && price > 0;
  }

  async charge(job: Job): Promise<void> {
    if (!this.#billing || !this.charges(job.userCreditCost)) return;
    const { store, clock } = this.#ctx;
    // Intent first: if the process dies after charging, healing refunds (billing is idempotent).
    if (!(await store.setCreditState(job.id, 'none', 'charged', clock.now()))) return;
    job.creditState = 'charged';
    try {
      await this.#call('charge', job);
    } catch (error) {
      // Only a refusal is known to have charged nothing. Any other failure (a timeout after
      // the database committed, say) may have charged: the job stays `charged`, so the
      // FailSafe's refund settles it. A refund that finds no charge leaves a marker, and the
      // ledger refuses a charge of a job with one: a late charge can never stand alone.
      if (error instanceof JobGateError && error.code === 'INSUFFICIENT_CREDITS') {
        await store.setCreditState(job.id, 'charged', 'none', clock.now());
        job.creditState = 'none';
        throw error;
      }
      // An adapter's unknown failure is never "not enough credits".
      throw toJobGateError(error, 'INTERNAL', job.id);
    }
  }

  /** A Billing call within the billing deadline (see `timeouts.billingCallMs`). */
  async #call(what: 'charge' | 'refund', job: Job): Promise<void> {
    const { timeouts } = this.#ctx;
    const ms = Math.min(timeouts.billingCallMs, timeouts.staleStartMs / 2);
    const signal = AbortSignal.timeout(ms);
    try {
      await untilAborted(this.#billing![what](job), signal);
    } catch (error) {
      if (!signal.aborted) throw error;
      throw new JobGateError('INTERNAL', `the credit ${what} did not answer within ${ms} ms`, {
        jobId: job.id,
        cause: error,
        details: { operation: `billing-${what}` },
      });
    }
  }

  /** The provider's cost beside the credits, where the ledger keeps costs (margin per tool). */
  async recordCost(job: Job, cost: ProviderCost): Promise<void> {
    const ledger = this.#billing as Partial<CreditLedger> | undefined;
    if (typeof ledger?.recordCost !== 'function') return;
    try {
      await ledger.recordCost(job, cost);
    } catch (error) {
      this.#ctx.report(error, 'cost', job.id);
    }
  }

  /** A charged job that did not complete: refunded, or its charge kept, by the refund policy. */
  async settle(job: Job): Promise<boolean> {
    const { tools, store, clock } = this.#ctx;
    const tool = tools.has(job.tool) ? tools.get(job.tool) : undefined;
    if (refundDue(job, this.#policy, tool)) return this.refund(job);
    try {
      await store.setCreditState(job.id, 'charged', 'kept', clock.now());
    } catch (error) {
      this.#ctx.report(error, 'refund', job.id);
    }
    return false;
  }

  /**
   * Pays a refund at most once: the store's compare-and-set claims it (`charged` →
   * `refunding`) before Billing is called, so of several processes healing at once only the
   * claimer pays. A claim whose process died is taken over after `refundClaimMs`.
   */
  async refund(job: Job): Promise<boolean> {
    if (!this.#billing) return false;
    const { store, clock, timeouts, report } = this.#ctx;
    let claimed: Job | null;
    try {
      claimed = await store.claimRefund(job.id, clock.now(), timeouts.refundClaimMs);
    } catch (error) {
      report(error, 'refund', job.id);
      return false;
    }
    if (!claimed) return false;
    try {
      await this.#call('refund', claimed);
    } catch (error) {
      report(error, 'refund', job.id);
      // Give the claim back, so the next heal tries again at once.
      await store
        .setCreditState(job.id, 'refunding', 'charged', clock.now())
        .catch((e) => report(e, 'refund', job.id));
      return false;
    }
    try {
      return await store.setCreditState(job.id, 'refunding', 'refunded', clock.now());
    } catch (error) {
      // Paid but not recorded: the claim goes stale and is paid again later, which
      // Billing's idempotency by job id absorbs (the only case that relies on it).
      report(error, 'refund', job.id);
      return true;
    }
  }
}
