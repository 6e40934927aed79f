import { describe } from 'vitest';
import { conformanceContext } from './storeConformance/conformanceContext.js';
import { createRules } from './storeConformance/createRules.js';
import { finishRules } from './storeConformance/finishRules.js';
import { healRules } from './storeConformance/healRules.js';
import { neverStuckRules } from './storeConformance/neverStuckRules.js';
import { readRules } from './storeConformance/readRules.js';
import { slotRules } from './storeConformance/slotRules.js';
import { taskRules } from './storeConformance/taskRules.js';
import type { StoreFactory } from './storeHarness.js';

export { limitsOf } from './storeConformance/conformanceContext.js';

/**
 * The store conformance suite: every rule of the lifecycle and the invariants I1–I4, run
 * against any JobStore. State is checked through `harness.rows()`, an independent read,
 * not by the store reading back its own writes.
 */
export function describeStoreConformance(name: string, factory: StoreFactory): void {
  describe(`JobStore conformance: ${name}`, () => {
    const t = conformanceContext(factory);
    createRules(t);
    slotRules(t);
    finishRules(t);
    taskRules(t);
    healRules(t);
    neverStuckRules(t);
    readRules(t);
  });
}
