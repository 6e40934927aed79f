import { type Job, JobGateError } from '@jobgate/core';
import {
  type CreditBalance,
  type CreditLedger,
  checkBuckets,
  DEFAULT_BUCKETS,
  type LedgerEntry,
  type ProviderCost,
} from '@jobgate/core/adapter';
import { checkSchema } from './migrate.js';
import type { SqlClient } from './sqlClient.js';
import { sqlErrorToJobGateError } from './sqlError.js';
import { type SqlCall, sqlCall, toRpcArgs, toSqlQuery } from './sqlFunctions.js';

/**
 * Anything with supabase-js's `.rpc(fn, args)`: the service-role client of a Supabase
 * project (or `client.schema('x')` for another schema). The credit functions are executable
 * by the service role only there.
 */
export interface RpcTarget {
  rpc(
    fn: string,
    args: Record<string, unknown>,
  ): PromiseLike<{ data: unknown; error: unknown; status?: number }>;
}

export interface PostgresBillingOptions {
  /** Schema of the jobgate tables (SQL clients only; an rpc target brings its own). Default `public`. */
  schema?: string;
  /** The buckets a charge spends, in order. Default `['monthly', 'lifetime']`. */
  buckets?: readonly string[];
}

interface RawEntry extends Omit<LedgerEntry, 'amount' | 'amounts'> {
  amount: number | string;
  amounts: Record<string, number | string>;
}
interface RawBalance {
  userId: string;
  total: number | string;
  buckets: Record<string, number | string>;
}

/**
 * The credit ledger in PostgreSQL (migration 009): balances in ordered buckets and an
 * append-only ledger, where a unique (job_id, kind) makes a second charge or refund of a
 * job impossible whoever calls. Each method is one call of a jobgate SQL function (one
 * transaction, under a per-user advisory lock), so it works through transaction poolers,
 * on PGlite, and through supabase-js `.rpc` with the service-role client.
 */
export class PostgresBilling implements CreditLedger {
  readonly buckets: readonly string[];
  readonly #call: <T>(call: SqlCall, jobId?: string) => Promise<T>;

  constructor(target: SqlClient | RpcTarget, options: PostgresBillingOptions = {}) {
    this.buckets = checkBuckets(options.buckets ?? DEFAULT_BUCKETS);
    if ('query' in target) {
      const schema = checkSchema(options.schema ?? 'public');
      this.#call = async <T>(call: SqlCall, jobId?: string) => {
        const { text, params } = toSqlQuery(call, schema);
        try {
          const rows = await target.query<{ r: T }>(text, params);
          return rows[0]!.r;
        } catch (error) {
          throw billingError(error, jobId);
        }
      };
    } else {
      this.#call = async <T>(call: SqlCall, jobId?: string) => {
        let result: { data: unknown; error: unknown; status?: number };
        try {
          result = await target.rpc(call.fn, toRpcArgs(call));
        } catch (error) {
          throw new JobGateError('NETWORK_ERROR', 'the credit call did not go through', {
            jobId,
            cause: error,
          });
        }
        if (result.error) throw billingError(result.error, jobId);
        return result.data as T;
      };
    }
  }

  async charge(job: Job): Promise<void> {
    await this.#call(
      sqlCall('jobgate_credits_charge', {
        p_job_id: job.id,
        p_user_id: job.userId,
        p_amount: job.userCreditCost,
        p_buckets: this.buckets,
        p_tool: job.tool,
      }),
      job.id,
    );
  }

  async refund(job: Job): Promise<void> {
    await this.#call(
      sqlCall('jobgate_credits_refund', { p_job_id: job.id, p_user_id: job.userId }),
      job.id,
    );
  }

  async grant(
    userId: string,
    bucket: string,
    amount: number,
    note?: string,
  ): Promise<CreditBalance> {
    const r = await this.#call<{ balance: RawBalance }>(
      sqlCall('jobgate_credits_grant', {
        p_user_id: userId,
        p_bucket: bucket,
        p_amount: amount,
        p_note: note,
      }),
    );
    return balanceOf(r.balance);
  }

  async adjust(
    userId: string,
    bucket: string,
    amount: number,
    options: { note?: string; set?: boolean } = {},
  ): Promise<CreditBalance> {
    const r = await this.#call<{ balance: RawBalance }>(
      sqlCall('jobgate_credits_adjust', {
        p_user_id: userId,
        p_bucket: bucket,
        p_delta: amount,
        p_note: options.note,
        p_set: options.set === true,
      }),
    );
    return balanceOf(r.balance);
  }

  async balance(userId: string): Promise<CreditBalance> {
    return balanceOf(
      await this.#call<RawBalance>(sqlCall('jobgate_credits_balance', { p_user_id: userId })),
    );
  }

  async entries(query: {
    userId?: string;
    jobId?: string;
    limit?: number;
  }): Promise<LedgerEntry[]> {
    const rows = await this.#call<RawEntry[]>(
      sqlCall('jobgate_credits_ledger', {
        p_user_id: query.userId,
        p_job_id: query.jobId,
        p_limit: query.limit ?? 100,
      }),
    );
    return rows.map(entryOf);
  }

  async recordCost(job: Job, cost: ProviderCost): Promise<boolean> {
    return (
      (await this.#call<boolean>(
        sqlCall('jobgate_credits_record_cost', {
          p_job_id: job.id,
          p_user_id: job.userId,
          p_tool: job.tool,
          p_cost: cost.cost,
          p_unit: cost.unit,
        }),
        job.id,
      )) === true
    );
  }
}
/** A driver or PostgREST error as a JobGateError; a refused privilege is FORBIDDEN. */
function billingError(error: unknown, jobId?: string): JobGateError {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '42501') {
    return new JobGateError('FORBIDDEN', 'the credit functions are for the service role only', {
      jobId,
      cause: error,
    });
  }
  return sqlErrorToJobGateError(error, jobId);
}

const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v));

function balanceOf(raw: RawBalance): CreditBalance {
  return {
    userId: raw.userId,
    total: num(raw.total),
    buckets: Object.fromEntries(Object.entries(raw.buckets).map(([b, v]) => [b, num(v)])),
  };
}

function entryOf(raw: RawEntry): LedgerEntry {
  return {
    ...raw,
    id: Number(raw.id),
    amount: num(raw.amount),
    amounts: Object.fromEntries(Object.entries(raw.amounts).map(([b, v]) => [b, num(v)])),
    createdAt: new Date(raw.createdAt).toISOString(),
  };
}
