import { describe, expect, it } from 'vitest';
import { backoffDelay, sameView } from '../jobHelpers.js';
import { makeJob } from './clientSetup.js';

describe('jobHelpers', () => {
  it('backoffDelay doubles from the base per attempt up to the ceiling', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(500, 4_000, n))).toEqual([
      500, 1_000, 2_000, 4_000, 4_000,
    ]);
    expect(backoffDelay(1_000, 8_000, 2_000)).toBe(8_000);
  });

  it('sameView: only what the UI shows counts as a change', () => {
    const job = makeJob();
    expect(sameView(job, { ...job, attempts: 3 })).toBe(true);
    expect(sameView(job, { ...job, progress: 0.1 })).toBe(false);
    expect(sameView(job, { ...job, position: 1 })).toBe(false);
    expect(sameView(job, { ...job, updatedAt: 'later' })).toBe(false);
    expect(sameView(job, { ...job, id: 'j2' })).toBe(false);
  });
});
