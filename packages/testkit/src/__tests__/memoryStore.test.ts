import { memoryHarness } from '../memoryHarness.js';
import { describeStoreConformance } from '../storeConformance.js';

describeStoreConformance('MemoryStore', memoryHarness);
