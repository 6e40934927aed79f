import { MemoryBilling } from '@jobgate/core';
import { describeBillingConformance } from '../billingConformance.js';

describeBillingConformance('MemoryBilling', async () => ({
  ledger: async (buckets) => new MemoryBilling(buckets ? { buckets } : {}),
  close: async () => undefined,
}));
