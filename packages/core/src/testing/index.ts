/**
 * Test doubles and demo parts, kept out of the main entry so production bundles and the
 * API surface of `@jobgate/core` hold only what a server runs: a clock that moves when told,
 * an in-memory credit ledger, an in-memory file storage, a seeded provider that needs no GPU, and the seeded random
 * numbers they share.
 */
export { FakeClock } from './fakeClock.js';
export { MemoryBilling, type MemoryBillingOptions } from './memoryBilling.js';
export { MemoryFileStorage } from './memoryFileStorage.js';
export { seededRandom } from './seededRandom.js';
export {
  createSimulatedProvider,
  SIMULATED_RESULT,
  SimulatedProvider,
  type SimulatedProviderOptions,
  type SimulatedRates,
} from './simulatedProvider.js';
