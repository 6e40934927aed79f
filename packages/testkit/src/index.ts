export {
  type BillingFactory,
  type BillingHarness,
  billingJob,
  describeBillingConformance,
  jobLedger,
  testUserId,
} from './billingConformance.js';
export { checkInvariants } from './checkInvariants.js';
export { type CreditSettlementOptions, describeCreditSettlement } from './creditSettlement.js';
export { invalidInputs, sampleInputs, type TestToolId, testTools } from './fixtures/testTools.js';
export { describeLifecycleProperty } from './lifecycleProperty.js';
export { memoryHarness } from './memoryHarness.js';
export { ScriptedProvider, type StartAnswer } from './scriptedProvider.js';
export {
  CHROMIUM_LAUNCH,
  CHROMIUM_PATH,
  describeWith,
  type Service,
  type ServiceName,
  service,
} from './services.js';
export { describeStoreConformance, limitsOf } from './storeConformance.js';
export { type StoreFactory, type StoreHarness, testJobId } from './storeHarness.js';
