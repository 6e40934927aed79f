import type { BenchSystem } from '../benchSystem.js';
import { bullmqPostgresSystem, bullmqRedisSystem } from './bullmqSystems.js';
import { ceilingSystem } from './ceilingSystem.js';
import { dbosSystem } from './dbosSystem.js';
import { graphileWorkerSystem } from './graphileWorkerSystem.js';
import { jobgateRunnerSystem, jobgateStoreSystem } from './jobgateSystems.js';
import { pgBossFetchSystem, pgBossWorkSystem } from './pgBossSystems.js';

/**
 * Every system of the benchmark, jobgate first, in the order of the report; the ceiling (the
 * database's own limit for a hand-off) last.
 */
export const allSystems: readonly BenchSystem[] = [
  jobgateRunnerSystem,
  jobgateStoreSystem,
  pgBossWorkSystem,
  pgBossFetchSystem,
  graphileWorkerSystem,
  bullmqRedisSystem,
  bullmqPostgresSystem,
  dbosSystem,
  ceilingSystem,
];

export function findSystem(id: string): BenchSystem {
  const system = allSystems.find((s) => s.id === id);
  if (!system) throw new Error(`unknown system "${id}"`);
  return system;
}
