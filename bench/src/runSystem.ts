import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { JobInterval } from './analyzeRun.js';
import type { ChildConfig, ChildMessage, ParentMessage } from './benchProtocol.js';
import type { BenchSystem, RunSpec, SqlCounts } from './benchSystem.js';

const require = createRequire(import.meta.url);
const CHILD = fileURLToPath(new URL('./benchChild.ts', import.meta.url));
const TSX = pathToFileURL(require.resolve('tsx')).href;

export interface RoundResult {
  intervals: JobInterval[];
  held: JobInterval[];
  /** Measured jobs whose body ran in each process. */
  perProcess: number[];
  /** Statements of the measured round, summed over the processes (null: not counted). */
  sql: SqlCounts | null;
  /** Statements of the measured round's hold and fill (the submit path), summed. */
  fillSql: SqlCounts | null;
}

function sumCounts(all: readonly (SqlCounts | null)[]): SqlCounts | null {
  const present = all.filter((c): c is SqlCounts => c !== null);
  if (present.length === 0) return null;
  const sum: SqlCounts = { calls: {}, ms: {} };
  for (const c of present) {
    for (const [k, v] of Object.entries(c.calls)) sum.calls[k] = (sum.calls[k] ?? 0) + v;
    for (const [k, v] of Object.entries(c.ms)) sum.ms[k] = (sum.ms[k] ?? 0) + v;
  }
  return sum;
}

class Child {
  readonly process: ChildProcess;
  readonly #waiters: Array<{
    match: (m: ChildMessage) => boolean;
    resolve: (m: ChildMessage) => void;
  }> = [];
  done = 0;
  error: Error | null = null;
  exited: Promise<void>;
  #onError: (error: Error) => void = () => {};

  constructor(config: ChildConfig) {
    this.process = fork(CHILD, [], {
      execArgv: ['--import', TSX, '--conditions=@jobgate/source'],
      env: { ...process.env, BENCH_CHILD: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.exited = new Promise((resolve) => this.process.once('exit', () => resolve()));
    this.process.once('exit', (code) => {
      if (code !== 0 && code !== null) this.#fail(new Error(`worker process exited with ${code}`));
    });
    this.process.on('message', (message: ChildMessage) => {
      if (message.type === 'progress') this.done = message.done;
      if (message.type === 'error') {
        this.#fail(new Error(`worker process ${config.processIndex}: ${message.message}`));
        return;
      }
      const index = this.#waiters.findIndex((w) => w.match(message));
      if (index >= 0) this.#waiters.splice(index, 1)[0]!.resolve(message);
    });
  }

  #fail(error: Error): void {
    this.error ??= error;
    this.#onError(error);
  }

  /** Rejects every pending wait when the process reports an error or dies. */
  guard(onError: (error: Error) => void): void {
    this.#onError = onError;
    if (this.error) onError(this.error);
  }

  wait<T extends ChildMessage>(match: (m: ChildMessage) => m is T): Promise<T> {
    return new Promise((resolve) => {
      this.#waiters.push({ match, resolve: resolve as (m: ChildMessage) => void });
    });
  }

  async request(message: ParentMessage): Promise<void> {
    const acked = this.wait(
      (m): m is Extract<ChildMessage, { type: 'ack' }> => m.type === 'ack' && m.op === message.type,
    );
    this.process.send(message);
    await acked;
  }
}

/** Splits `total` into `parts` shares that differ by at most one. */
export function shares(total: number, parts: number): number[] {
  return Array.from(
    { length: parts },
    (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0),
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs `rounds` (job counts; the last one is measured, the others warm up) of one system in
 * `spec.processCount` worker processes. Each round: the push systems take their held slots,
 * every process enqueues its share, then all start at once and run until every job ended.
 */
export async function runSystem(
  system: BenchSystem,
  spec: RunSpec,
  rounds: readonly number[],
): Promise<RoundResult> {
  await system.prepare(spec);
  const children: Child[] = [];
  let failure: (error: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    failure = reject;
  });
  failed.catch(() => {});
  const guarded = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
    Promise.race([withTimeout(promise, ms, `${system.id} ${what}`), failed]);
  try {
    for (let i = 0; i < spec.processCount; i++) {
      const child = new Child({ systemId: system.id, spec, processIndex: i });
      child.guard((error) => failure(error));
      children.push(child);
    }
    await guarded(
      Promise.all(
        children.map((c) =>
          c.wait((m): m is Extract<ChildMessage, { type: 'ready' }> => m.type === 'ready'),
        ),
      ),
      60_000,
      'start',
    );
    let result: RoundResult = {
      intervals: [],
      held: [],
      perProcess: [],
      sql: null,
      fillSql: null,
    };
    for (const count of rounds) {
      const holds = shares(system.heldSlots, children.length);
      const fills = shares(count, children.length);
      // Held slots first, one process after the other, so that each really takes a slot.
      for (const [i, child] of children.entries())
        await guarded(child.request({ type: 'hold', count: holds[i]! }), 60_000, 'hold');
      const fill = () =>
        guarded(
          Promise.all(children.map((c, i) => c.request({ type: 'fill', count: fills[i]! }))),
          120_000 + count * 30,
          'fill',
        );
      // A filled queue first, or (arriving) every process submits its share once it runs.
      if (!spec.arriving) await fill();
      for (const child of children) child.done = 0;
      await guarded(Promise.all(children.map((c) => c.request({ type: 'go' }))), 60_000, 'go');
      const filled = spec.arriving ? fill() : Promise.resolve();
      filled.catch(() => {});
      const budget = 60_000 + count * (30 + spec.bodyMs * 2);
      let timer: NodeJS.Timeout | undefined;
      await guarded(
        new Promise<void>((resolve) => {
          timer = setInterval(() => {
            if (children.reduce((s, c) => s + c.done, 0) >= count) resolve();
          }, 10);
        }),
        budget,
        `round of ${count} jobs`,
      ).finally(() => clearInterval(timer));
      await filled;
      const records = children.map((c) =>
        c.wait((m): m is Extract<ChildMessage, { type: 'records' }> => m.type === 'records'),
      );
      await guarded(Promise.all(children.map((c) => c.request({ type: 'stop' }))), 60_000, 'stop');
      const all = await Promise.all(records);
      result = {
        intervals: all.flatMap((r) => r.intervals),
        held: all.flatMap((r) => r.held),
        perProcess: all.map((r) => r.intervals.length),
        sql: sumCounts(all.map((r) => r.sql)),
        fillSql: sumCounts(all.map((r) => r.fillSql)),
      };
    }
    await guarded(Promise.all(children.map((c) => c.request({ type: 'close' }))), 30_000, 'close');
    await withTimeout(Promise.all(children.map((c) => c.exited)), 10_000, 'exit').catch(() => {});
    return result;
  } finally {
    for (const child of children) {
      if (child.process.exitCode === null && child.process.signalCode === null) {
        child.process.kill('SIGKILL');
        await child.exited;
      }
    }
    await system.cleanup(spec);
  }
}
