import type { BenchSystem } from '../benchSystem.js';
import { bullmqPostgresSystem, bullmqRedisSystem } from './bullmqSystems.js';
import { graphileWorkerSystem } from './graphileWorkerSystem.js';
import { jobgateRunnerSystem, jobgateStoreSystem } from './jobgateSystems.js';
import { pgBossFetchSystem, pgBossWorkSystem } from './pgBossSystems.js';

/** Every system of the benchmark, jobgate first, in the order of the report. */
export const allSystems: readonly BenchSystem[] = [
  jobgateRunnerSystem,
  jobgateStoreSystem,
  pgBossWorkSystem,
  pgBossFetchSystem,
  graphileWorkerSystem,
  bullmqRedisSystem,
  bullmqPostgresSystem,
];

export function findSystem(id: string): BenchSystem {
  const system = allSystems.find((s) => s.id === id);
  if (!system) throw new Error(`unknown system "${id}"`);
  return system;
}
