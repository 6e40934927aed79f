import { MemoryStore } from '@jobgate/core';
import type { StoreHarness } from './storeHarness.js';

/** The MemoryStore in the harness shape; `rows` reads its raw map. */
export async function memoryHarness(): Promise<StoreHarness> {
  let store = new MemoryStore();
  const harness: StoreHarness = {
    get store() {
      return store;
    },
    rows: async () => store.snapshot(),
    insertRow: async (job) => store.unsafeInsert(job),
    reset: async () => {
      await store.close();
      store = new MemoryStore();
    },
    close: async () => store.close(),
  };
  return harness;
}
