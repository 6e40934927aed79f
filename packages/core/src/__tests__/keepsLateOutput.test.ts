import { describe, expect, it } from 'vitest';
import { type Job, jobRecord } from '../domain/job.js';
import { keepsLateOutput } from '../domain/keepsLateOutput.js';

function job(fields: Partial<Job>): Job {
  const base = jobRecord(
    { id: 'j1', tool: 't', userId: 'u', pool: 'default', input: {}, userCreditCost: 1 },
    Date.parse('2026-01-01T00:00:00Z'),
  );
  return { ...base, ...fields };
}

describe('keepsLateOutput: a result after the end', () => {
  const ended = (errorCode: string, fields: Partial<Job> = {}) =>
    job({ status: 'failed', errorCode, taskId: 'task-1', ...fields });

  it('is kept only on a job jobgate failed without the provider (TIMEOUT, START_LOST, TASK_LOST)', () => {
    for (const code of ['TIMEOUT', 'START_LOST', 'TASK_LOST'])
      expect(keepsLateOutput(ended(code), 'task-1')).toBe(true);
    expect(keepsLateOutput(ended('PROVIDER_ERROR'), 'task-1')).toBe(false);
    expect(keepsLateOutput(job({ status: 'cancelled', errorCode: 'TIMEOUT' }), null)).toBe(false);
    expect(keepsLateOutput(job({ status: 'running' }), null)).toBe(false);
  });

  it('keeps the first result only, and only from the job’s own task', () => {
    expect(keepsLateOutput(ended('TIMEOUT', { output: { url: 'x' } }), 'task-1')).toBe(false);
    expect(keepsLateOutput(ended('TIMEOUT'), 'task-2')).toBe(false);
    expect(keepsLateOutput(ended('TIMEOUT'), null)).toBe(true);
    expect(keepsLateOutput(ended('START_LOST', { taskId: null }), 'task-2')).toBe(true);
  });
});
