import { describeLifecycleProperty } from '../lifecycleProperty.js';
import { memoryHarness } from '../memoryHarness.js';

describeLifecycleProperty('MemoryStore', memoryHarness);
