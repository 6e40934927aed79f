import { describe, expect, it } from 'vitest';
import {
  assertTransition,
  canTransition,
  JOB_STATUSES,
  TERMINAL_STATUSES,
} from '../domain/jobStatus.js';

describe('the status machine', () => {
  it('allows exactly the transitions of the design', () => {
    const allowed = JOB_STATUSES.flatMap((from) =>
      JOB_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`),
    );
    expect(allowed.sort()).toEqual(
      [
        'starting→queued',
        'starting→running',
        'starting→failed',
        'starting→cancelled',
        'queued→running',
        'queued→failed',
        'queued→cancelled',
        'running→queued',
        'running→completed',
        'running→failed',
        'running→cancelled',
      ].sort(),
    );
  });

  it('throws INVALID_TRANSITION with the job id for anything else', () => {
    for (const from of TERMINAL_STATUSES) {
      for (const to of JOB_STATUSES) {
        expect(() => assertTransition(from, to, 'j1')).toThrow(
          expect.objectContaining({ code: 'INVALID_TRANSITION', jobId: 'j1' }),
        );
      }
    }
    expect(() => assertTransition('starting', 'completed')).toThrow(/cannot become completed/);
  });
});
