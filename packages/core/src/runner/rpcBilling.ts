import { JobGateError, toJobGateError } from '../domain/errors.js';
import type { Job } from '../domain/job.js';
import type { Billing } from '../ports/billing.js';

/** One of the app's database functions, and the arguments jobgate passes it for a job. */
export interface RpcFunction {
  name: string;
  /** Default: `{ p_job_id, p_user_id, p_amount, p_tool }`. */
  args?: (job: Job) => Record<string, unknown>;
}

export interface RpcBillingOptions {
  /**
   * Calls a database function by name and resolves with its result, rejecting on error.
   * supabase-js (service-role client): `async (fn, args) => { const { data, error } =
   * await supabase.rpc(fn, args); if (error) throw error; return data; }`.
   */
  call: (fn: string, args: Record<string, unknown>) => Promise<unknown>;
  charge: string | RpcFunction;
  refund: string | RpcFunction;
  /** True if an error of `charge` means "not enough credits". Default: the message says "insufficient". */
  isInsufficient?: (error: unknown) => boolean;
}

const defaultArgs = (job: Job): Record<string, unknown> => ({
  p_job_id: job.id,
  p_user_id: job.userId,
  p_amount: job.userCreditCost,
  p_tool: job.tool,
});

const messageOf = (error: unknown): string =>
  error instanceof Error
    ? error.message
    : typeof error === 'object' && error !== null && 'message' in error
      ? String((error as { message: unknown }).message)
      : String(error);

/**
 * Billing over an app's own credit functions, so an app keeps its tables. jobgate needs
 * two functions, both idempotent by job id (see docs/credits.md): `charge` takes the job's
 * price once (a second call for the same job does nothing) or fails with an error that
 * says "insufficient"; `refund` gives back exactly what that job's charge took, once, and
 * does nothing for a job that was never charged.
 */
export function rpcBilling(options: RpcBillingOptions): Billing {
  const fn = (f: string | RpcFunction): Required<RpcFunction> =>
    typeof f === 'string' ? { name: f, args: defaultArgs } : { args: defaultArgs, ...f };
  const charge = fn(options.charge);
  const refund = fn(options.refund);
  const isInsufficient =
    options.isInsufficient ?? ((error: unknown) => /insufficient/i.test(messageOf(error)));
  return {
    async charge(job) {
      try {
        await options.call(charge.name, charge.args(job));
      } catch (error) {
        if (isInsufficient(error)) {
          throw new JobGateError('INSUFFICIENT_CREDITS', messageOf(error), {
            jobId: job.id,
            cause: error,
          });
        }
        throw toJobGateError(error, 'INTERNAL', job.id);
      }
    },
    async refund(job) {
      try {
        await options.call(refund.name, refund.args(job));
      } catch (error) {
        throw toJobGateError(error, 'INTERNAL', job.id);
      }
    },
  };
}
