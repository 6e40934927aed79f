import type { JobInterval } from './analyzeRun.js';
import type { RunSpec, SqlCounts } from './benchSystem.js';

/** What a worker process is told at spawn (JSON in BENCH_CHILD). */
export interface ChildConfig {
  systemId: string;
  spec: RunSpec;
  processIndex: number;
}

export type ParentMessage =
  | { type: 'hold'; count: number }
  | { type: 'fill'; count: number }
  | { type: 'go' }
  | { type: 'stop' }
  | { type: 'close' };

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'ack'; op: ParentMessage['type'] }
  | { type: 'progress'; done: number }
  | {
      type: 'records';
      intervals: JobInterval[];
      held: JobInterval[];
      sql: SqlCounts | null;
      /** Statements of the round's hold and fill (the submit path). */
      fillSql: SqlCounts | null;
    }
  | { type: 'error'; message: string };
