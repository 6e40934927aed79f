import { MemoryBilling } from '@jobgate/core/testing';
import { describeBillingConformance } from '../billingConformance.js';
import { describeCreditSettlement } from '../creditSettlement.js';
import { memoryHarness } from '../memoryHarness.js';

describeBillingConformance('MemoryBilling', async () => ({
  ledger: async (buckets) =>
    new MemoryBilling({ initialBalance: 0, ...(buckets ? { buckets } : {}) }),
  close: async () => undefined,
}));

describeCreditSettlement(
  'MemoryStore + MemoryBilling',
  memoryHarness,
  async () => new MemoryBilling(0),
);
