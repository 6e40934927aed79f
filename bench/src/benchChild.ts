/**
 * A worker process of a run: builds one system's worker and follows the parent's steps
 * (hold → fill → go → stop, per round). Started by `runSystem` with BENCH_CHILD set.
 */
import type { JobInterval } from './analyzeRun.js';
import type { ChildConfig, ChildMessage, ParentMessage } from './benchProtocol.js';
import type { SqlCounts, SystemWorker } from './benchSystem.js';
import { installRoundTripCounter } from './roundTripCounter.js';
import { findSystem } from './systems/allSystems.js';

const PROGRESS_MS = 20;

const send = (message: ChildMessage): void => {
  process.send?.(message);
};

async function main(): Promise<void> {
  const config = JSON.parse(process.env['BENCH_CHILD'] ?? '') as ChildConfig;
  const system = findSystem(config.systemId);
  let intervals: JobInterval[] = [];
  let held: JobInterval[] = [];
  let done = 0;
  let reported = -1;
  let ticker: NodeJS.Timeout | undefined;
  let fillSql: SqlCounts | null = null;
  const peerCounter = installRoundTripCounter();
  const worker: SystemWorker = await system.createWorker({
    spec: config.spec,
    record(interval) {
      intervals.push(interval);
      done++;
    },
    recordHeld(interval) {
      held.push(interval);
    },
  });
  // jobgate counts its statements itself (postgres.js); the peers through pg and ioredis.
  const counter = worker.sqlCounts ?? peerCounter;
  const handle = async (message: ParentMessage): Promise<void> => {
    switch (message.type) {
      case 'hold':
        intervals = [];
        held = [];
        done = 0;
        reported = -1;
        fillSql = null;
        counter.reset();
        await worker.hold(message.count);
        break;
      case 'fill':
        await worker.fill(message.count);
        break;
      case 'go':
        ticker = setInterval(() => {
          if (done !== reported) {
            reported = done;
            send({ type: 'progress', done });
          }
        }, PROGRESS_MS);
        fillSql = counter.read();
        counter.reset();
        await worker.go();
        break;
      case 'stop':
        clearInterval(ticker);
        await worker.stop();
        send({
          type: 'records',
          intervals,
          held,
          sql: counter.read(),
          fillSql,
        });
        break;
      case 'close':
        await worker.close();
        send({ type: 'ack', op: 'close' });
        process.disconnect?.();
        return;
    }
    send({ type: 'ack', op: message.type });
  };
  let chain = Promise.resolve();
  process.on('message', (message: ParentMessage) => {
    chain = chain
      .then(() => handle(message))
      .catch((error: unknown) => {
        send({
          type: 'error',
          message: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
      });
  });
  send({ type: 'ready' });
}

main().catch((error: unknown) => {
  send({
    type: 'error',
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  process.exitCode = 1;
  process.disconnect?.();
});
