import { EventEmitter } from 'eventemitter3';
import { JobGateError } from '../domain/errors.js';
import type { Job } from '../domain/job.js';
import type { JobEvents } from '../domain/jobEvents.js';
import { createSlotPolicy, type SlotPolicy } from '../domain/slotPolicy.js';
import { ToolRegistry } from '../domain/tool.js';
import { type Clock, systemClock } from '../ports/clock.js';
import type { FileStorage } from '../ports/fileStorage.js';
import type { JobStore, SlotOptions } from '../ports/jobStore.js';
import type { Provider } from '../ports/provider.js';
import {
  DEFAULT_FILES,
  DEFAULT_RETRY,
  DEFAULT_TIMEOUTS,
  type JobRunnerOptions,
  type RunnerRetry,
  type RunnerTimeouts,
} from './runnerOptions.js';
import { withStoreDeadline } from './storeDeadline.js';

/** Events that carry a job; `error` goes through {@link RunnerContext.report}. */
export type JobEventWithJob = Exclude<keyof JobEvents, 'error'>;

/**
 * What the parts of a runner share (FailSafe, launcher, healer, credits, provider
 * updates), so none of them reaches into another's fields or the façade's.
 */
export interface RunnerContext {
  readonly store: JobStore;
  readonly provider: Provider;
  /** Where input files are read and results kept; set whenever a tool has files. */
  readonly storage: FileStorage | undefined;
  readonly files: Required<NonNullable<JobRunnerOptions['files']>>;
  readonly tools: ToolRegistry;
  readonly policy: SlotPolicy;
  readonly clock: Clock;
  readonly timeouts: Required<RunnerTimeouts>;
  readonly retry: Required<RunnerRetry>;
  readonly events: EventEmitter<JobEvents>;
  /** Set by `close()`: timers stop rescheduling themselves. */
  closed: boolean;
  emit(event: JobEventWithJob, job: Job): void;
  /** An error with no caller to throw to reaches `error` listeners, if there are any. */
  report(error: unknown, during: string, jobId?: string): void;
  /** The caps and the time a store needs to decide who runs. */
  slot(): SlotOptions;
}

export function createRunnerContext(options: JobRunnerOptions): RunnerContext {
  const tools =
    options.tools instanceof ToolRegistry ? options.tools : new ToolRegistry(options.tools);
  const policy = createSlotPolicy(options.policy, tools.list());
  // Fail closed: without a storage, a file field's path would reach the provider as is.
  const reading = tools.list().find((tool) => tool.files.length > 0);
  if (reading && !options.storage) {
    throw new JobGateError(
      'VALIDATION',
      `tool ${reading.id} has file fields (${reading.files.join(', ')}): give the runner the storage they are uploaded to (options.storage)`,
    );
  }
  const clock = options.clock ?? systemClock;
  const events = new EventEmitter<JobEvents>();
  return {
    store: withStoreDeadline(
      options.store,
      options.timeouts?.storeCallMs ?? DEFAULT_TIMEOUTS.storeCallMs,
    ),
    provider: options.provider,
    storage: options.storage,
    files: { ...DEFAULT_FILES, ...options.files },
    tools,
    policy,
    clock,
    timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
    retry: { ...DEFAULT_RETRY, ...options.retry },
    events,
    closed: false,
    emit: (event, job) => {
      events.emit(event, job);
    },
    report: (error, during, jobId) => {
      const err = error instanceof Error ? error : new Error(String(error));
      if (events.listenerCount('error') > 0) events.emit('error', err, { jobId, during });
    },
    slot: () => ({ limits: policy.limits, now: clock.now() }),
  };
}
