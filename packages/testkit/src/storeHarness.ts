import type { Job, JobStore } from '@jobgate/core';

/** What a store's test file hands to the shared suites. */
export interface StoreHarness {
  store: JobStore;
  /** All rows, read independently of the store's methods (raw SQL, the internal map). */
  rows(): Promise<Job[]>;
  /** Writes a row as is, bypassing every rule (legacy data, crash scenarios). */
  insertRow(job: Job): Promise<void>;
  /** Removes every job (between property-test runs). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export type StoreFactory = () => Promise<StoreHarness>;

let counter = 0;
const runTag = Math.floor(Math.random() * 0xffff)
  .toString(16)
  .padStart(4, '0');

/** A fresh UUID (v4 shape), unique within the process. */
export function testJobId(): string {
  counter++;
  return `00000000-${runTag}-4000-8000-${counter.toString(16).padStart(12, '0')}`;
}
