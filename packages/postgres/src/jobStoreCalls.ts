import type { JsonValue } from '@jobgate/core';
import type {
  CreateOptions,
  CreditState,
  FinishOptions,
  FinishOutcome,
  HealOptions,
  JobQuery,
  NewJob,
  RequeueOptions,
  SlotOptions,
} from '@jobgate/core/adapter';
import { type SqlCall, sqlCall } from './sqlFunctions.js';

const newJob = (job: NewJob) => ({
  p_id: job.id,
  p_tool: job.tool,
  p_user_id: job.userId,
  p_pool: job.pool,
  p_input: job.input,
  p_user_credit_cost: job.userCreditCost,
});

/**
 * The SQL call behind each JobStore method of SqlStore, whichever transport carries it (a
 * SqlClient for PostgresStore, PostgREST `.rpc` for SupabaseStore). `clock` decides the `p_now` of lifecycle changes: null
 * lets the database clock decide (`database`), or the `now` the caller passes (`caller`).
 * Lease and refund-claim times are always the caller's.
 */
export function jobStoreCalls(clock: 'database' | 'caller' = 'database') {
  const at = (now: number): number | null => (clock === 'caller' ? now : null);
  return {
    create: (job: NewJob, options: CreateOptions): SqlCall<'jobgate_create'> =>
      sqlCall('jobgate_create', {
        ...newJob(job),
        p_max_active: options.maxActivePerUser,
        p_now: at(options.now),
        p_limits: options.start,
      }),
    createFailed: (
      job: NewJob,
      error: { errorCode: string; errorMessage: string },
      now: number,
    ): SqlCall<'jobgate_create_failed'> =>
      sqlCall('jobgate_create_failed', {
        ...newJob(job),
        p_error_code: error.errorCode,
        p_error_message: error.errorMessage,
        p_now: at(now),
      }),
    get: (id: string): SqlCall<'jobgate_get'> => sqlCall('jobgate_get', { p_id: id }),
    start: (id: string, options: SlotOptions): SqlCall<'jobgate_start'> =>
      sqlCall('jobgate_start', { p_id: id, p_limits: options.limits, p_now: at(options.now) }),
    attachTask: (id: string, taskId: string, now: number): SqlCall<'jobgate_attach_task'> =>
      sqlCall('jobgate_attach_task', { p_id: id, p_task_id: taskId, p_now: at(now) }),
    progress: (id: string, progress: number, now: number): SqlCall<'jobgate_progress'> =>
      sqlCall('jobgate_progress', {
        p_id: id,
        p_progress: Number.isFinite(progress) ? progress : null,
        p_now: at(now),
      }),
    requeue: (id: string, options: RequeueOptions): SqlCall<'jobgate_requeue'> =>
      sqlCall('jobgate_requeue', {
        p_id: id,
        p_limits: options.limits,
        p_now: at(options.now),
        p_retry_at: options.retryAt,
        p_error_code: options.errorCode,
        p_error_message: options.errorMessage,
        p_provider_input: options.providerInput,
      }),
    finish: (
      id: string,
      outcome: FinishOutcome,
      options: FinishOptions,
    ): SqlCall<'jobgate_finish'> => {
      const completed = outcome.status === 'completed';
      return sqlCall('jobgate_finish', {
        p_id: id,
        p_status: outcome.status,
        // A completed job without output stores JSON null; the others no output at all.
        p_output: completed ? (outcome.output ?? null) : undefined,
        p_error_code: completed ? null : outcome.errorCode,
        p_error_message: completed ? null : outcome.errorMessage,
        p_from: options.from,
        p_limits: options.limits,
        p_now: at(options.now),
        p_task_id: options.taskId ?? null,
      });
    },
    promote: (options: SlotOptions): SqlCall<'jobgate_promote'> =>
      sqlCall('jobgate_promote', { p_limits: options.limits, p_now: at(options.now) }),
    heal: (options: HealOptions): SqlCall<'jobgate_heal'> =>
      sqlCall('jobgate_heal', {
        p_limits: options.limits,
        p_now: at(options.now),
        p_stale_start_ms: options.staleStartMs,
        p_lost_start_ms: options.lostStartMs,
        p_max_queue_ms: options.maxQueueMs,
        p_pool: options.pool ?? null,
        p_lease_ms: options.leaseMs ?? null,
      }),
    setCreditState: (
      id: string,
      from: CreditState,
      to: CreditState,
      now: number,
    ): SqlCall<'jobgate_set_credit_state'> =>
      sqlCall('jobgate_set_credit_state', { p_id: id, p_from: from, p_to: to, p_now: at(now) }),
    claimRefund: (id: string, now: number, staleMs: number): SqlCall<'jobgate_claim_refund'> =>
      sqlCall('jobgate_claim_refund', { p_id: id, p_now: now, p_stale_ms: staleMs }),
    renewLeases: (
      ids: readonly string[],
      until: number,
      now: number,
    ): SqlCall<'jobgate_renew_leases'> =>
      sqlCall('jobgate_renew_leases', { p_ids: [...ids], p_until: until, p_now: now }),
    recordLateOutput: (
      id: string,
      update: { taskId: string | null; output: JsonValue },
      now: number,
    ): SqlCall<'jobgate_record_late_output'> =>
      sqlCall('jobgate_record_late_output', {
        p_id: id,
        p_task_id: update.taskId,
        p_output: update.output,
        p_now: now,
      }),
    findActive: (userId: string): SqlCall<'jobgate_find_active'> =>
      sqlCall('jobgate_find_active', { p_user_id: userId }),
    list: (query: JobQuery): SqlCall<'jobgate_list'> =>
      sqlCall('jobgate_list', {
        p_user_id: query.userId ?? null,
        p_status: query.status,
        p_tool: query.tool ?? null,
        p_limit: query.limit ?? null,
        p_credit_state: query.creditState ?? null,
      }),
    queue: (pool?: string): SqlCall<'jobgate_queue'> =>
      sqlCall('jobgate_queue', { p_pool: pool ?? null }),
    counts: (pool: string): SqlCall<'jobgate_counts'> =>
      sqlCall('jobgate_counts', { p_pool: pool }),
  };
}

export type JobStoreCalls = ReturnType<typeof jobStoreCalls>;
