import { z } from 'zod';
import { JOB_STATUSES, type JobStatus } from './jobStatus.js';

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * `refunding`: a process claimed the refund and is calling Billing (at most one process
 * pays it; a claim whose owner died is taken over later). `kept`: a charge that stands by
 * the refund policy although the job did not complete.
 */
export type CreditState = 'none' | 'charged' | 'refunding' | 'refunded' | 'kept';

/**
 * A job as every part of jobgate sees it. Timestamps are ISO 8601 strings (UTC), so the
 * same object travels over HTTP, through Realtime and out of SQL unchanged.
 * The database columns are the snake_case names (see {@link jobToRow}).
 */
export interface Job {
  id: string;
  tool: string;
  userId: string;
  /** The slot pool the job counts against (one provider account = one pool). */
  pool: string;
  status: JobStatus;
  input: JsonObject;
  output: JsonValue | null;
  /** True once the job really waited in the queue because the pool was full. */
  waitedInQueue: boolean;
  /** 1-based place in the queue while `queued` (1 = next); otherwise null. */
  position: number | null;
  /** The provider's task id, once the provider accepted the job. */
  taskId: string | null;
  /** Credits the job costs, from the tool registry on the server. */
  userCreditCost: number;
  creditState: CreditState;
  errorCode: string | null;
  /** `"CODE: text"`. */
  errorMessage: string | null;
  /** Provider progress, 0..1, where the provider reports it. */
  progress: number | null;
  /** Provider start attempts so far (busy and transient answers count). */
  attempts: number;
  /**
   * The file fields as the provider got them (e.g. RunningHub's upload names), kept when a
   * start goes back to the queue, so a retried start does not upload its files again. Null
   * until a start that uploaded files was retried.
   */
  providerInput: JsonObject | null;
  /** While queued after a busy/transient provider answer: not retried before this time. */
  retryAt: string | null;
  createdAt: string;
  queuedAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
  updatedAt: string;
}

const isoDate = z.string().datetime({ offset: true });
const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(jsonValue),
    z.record(z.string(), jsonValue),
  ]),
);

export const jsonValueSchema = jsonValue;
export const jsonObjectSchema = z.record(z.string(), jsonValue);
export const jobStatusSchema = z.enum(JOB_STATUSES);
export const jobIdSchema = z.string().uuid();

export const jobSchema = z.object({
  id: z.string().min(1).max(128),
  tool: z.string().min(1).max(64),
  userId: z.string().min(1).max(256),
  pool: z.string().min(1).max(64),
  status: jobStatusSchema,
  input: jsonObjectSchema,
  output: jsonValue.nullable(),
  waitedInQueue: z.boolean(),
  position: z.number().int().positive().nullable(),
  taskId: z.string().nullable(),
  userCreditCost: z.number().nonnegative(),
  creditState: z.enum(['none', 'charged', 'refunding', 'refunded', 'kept']),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  progress: z.number().min(0).max(1).nullable(),
  attempts: z.number().int().nonnegative(),
  providerInput: jsonObjectSchema.nullable(),
  retryAt: isoDate.nullable(),
  createdAt: isoDate,
  queuedAt: isoDate.nullable(),
  startedAt: isoDate.nullable(),
  completedAt: isoDate.nullable(),
  updatedAt: isoDate,
}) satisfies z.ZodType<Job>;

/** A job's timestamps are ISO strings of the instant `ms` (ms since the epoch), in UTC. */
export const isoAt = (ms: number): string => new Date(ms).toISOString();

/** What a store needs to create a job. */
export interface NewJob {
  id: string;
  tool: string;
  userId: string;
  pool: string;
  input: JsonObject;
  userCreditCost: number;
}

/**
 * A new job's full record: `starting`, created at `now`, every other field at its documented
 * default. For stores, and for tests that need a row of a given shape (`{ ...jobRecord(…), status }`).
 */
export function jobRecord(input: NewJob, now: number): Job {
  return {
    id: input.id,
    tool: input.tool,
    userId: input.userId,
    pool: input.pool,
    status: 'starting',
    input: structuredClone(input.input),
    output: null,
    waitedInQueue: false,
    position: null,
    taskId: null,
    userCreditCost: input.userCreditCost,
    creditState: 'none',
    errorCode: null,
    errorMessage: null,
    progress: null,
    attempts: 0,
    providerInput: null,
    retryAt: null,
    createdAt: isoAt(now),
    queuedAt: null,
    startedAt: null,
    completedAt: null,
    updatedAt: isoAt(now),
  };
}

/** The snake_case row, compatible with the existing app's columns. */
export interface JobRow {
  id: string;
  tool: string;
  user_id: string;
  pool: string;
  status: JobStatus;
  input: JsonObject;
  output: JsonValue | null;
  waited_in_queue: boolean;
  position: number | null;
  task_id: string | null;
  user_credit_cost: number;
  credit_state: CreditState;
  error_code: string | null;
  error_message: string | null;
  progress: number | null;
  attempts: number;
  provider_input?: JsonObject | null;
  retry_at: string | Date | null;
  created_at: string | Date;
  queued_at: string | Date | null;
  started_at: string | Date | null;
  completed_at: string | Date | null;
  updated_at: string | Date;
}

const iso = (value: string | Date | null): string | null =>
  value === null ? null : new Date(value).toISOString();

/** Maps a database row (timestamps as Date or string, numerics as string) to a Job. */
export function jobFromRow(row: JobRow): Job {
  return {
    id: row.id,
    tool: row.tool,
    userId: row.user_id,
    pool: row.pool,
    status: row.status,
    input: row.input,
    output: row.output ?? null,
    waitedInQueue: row.waited_in_queue,
    position: row.position === null ? null : Number(row.position),
    taskId: row.task_id,
    userCreditCost: Number(row.user_credit_cost),
    creditState: row.credit_state,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    progress: row.progress === null ? null : Number(row.progress),
    attempts: Number(row.attempts),
    providerInput: row.provider_input ?? null,
    retryAt: iso(row.retry_at),
    createdAt: iso(row.created_at)!,
    queuedAt: iso(row.queued_at),
    startedAt: iso(row.started_at),
    completedAt: iso(row.completed_at),
    updatedAt: iso(row.updated_at)!,
  };
}

export function jobToRow(job: Job): JobRow {
  return {
    id: job.id,
    tool: job.tool,
    user_id: job.userId,
    pool: job.pool,
    status: job.status,
    input: job.input,
    output: job.output,
    waited_in_queue: job.waitedInQueue,
    position: job.position,
    task_id: job.taskId,
    user_credit_cost: job.userCreditCost,
    credit_state: job.creditState,
    error_code: job.errorCode,
    error_message: job.errorMessage,
    progress: job.progress,
    attempts: job.attempts,
    provider_input: job.providerInput,
    retry_at: job.retryAt,
    created_at: job.createdAt,
    queued_at: job.queuedAt,
    started_at: job.startedAt,
    completed_at: job.completedAt,
    updated_at: job.updatedAt,
  };
}
