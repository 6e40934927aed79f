import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  errorFromJSON,
  JobGateError,
  statusToCode,
  toJobGateError,
} from '../domain/errors.js';

describe('JobGateError', () => {
  it('documents every code with its HTTP status in docs/errors.md', () => {
    const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
    // `—`: a code only the browser client raises, never an HTTP answer (which codes those are
    // is checked against the code in scripts/__tests__/docs.test.ts).
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      expect(doc).toMatch(new RegExp(`\\| \`${code}\` +\\| (${status}|—) +\\|`));
    }
  });

  it('normalises anything thrown, keeping the cause', () => {
    const cause = new TypeError('socket hang up');
    const error = toJobGateError(cause, 'STORAGE_ERROR', 'job-1');
    expect(error).toMatchObject({
      code: 'STORAGE_ERROR',
      status: 500,
      jobId: 'job-1',
      message: 'socket hang up',
    });
    expect(error.cause).toBe(cause);
    expect(toJobGateError('text').code).toBe('INTERNAL');
    expect(toJobGateError(undefined).message).toBe('unknown error');
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(toJobGateError(abort).code).toBe('TIMEOUT');
  });

  it('passes a JobGateError through and names the job', () => {
    const original = new JobGateError('PROVIDER_BUSY', 'full', { providerCode: 421 });
    expect(toJobGateError(original)).toBe(original);
    const named = toJobGateError(original, 'INTERNAL', 'job-2');
    expect(named).toMatchObject({
      code: 'PROVIDER_BUSY',
      jobId: 'job-2',
      providerCode: 421,
      kind: 'busy',
    });
  });

  it('round-trips the wire format', () => {
    const error = new JobGateError('ACTIVE_JOB_EXISTS', 'you already have an active job', {
      jobId: 'j',
    });
    const body = JSON.parse(JSON.stringify(error));
    expect(body).toEqual({
      error: { code: 'ACTIVE_JOB_EXISTS', message: 'you already have an active job', jobId: 'j' },
    });
    expect(errorFromJSON(body, 409)).toMatchObject({ code: 'ACTIVE_JOB_EXISTS', jobId: 'j' });
    expect(errorFromJSON({ error: { code: 'NOPE', message: 'x' } }, 429)?.code).toBe(
      'RATE_LIMITED',
    );
    expect(errorFromJSON('<html>502</html>')).toBeUndefined();
    expect(statusToCode(504)).toBe('TIMEOUT');
  });

  it('formats the error_message column as "CODE: text"', () => {
    expect(new JobGateError('TIMEOUT', 'too slow').toJobMessage()).toBe('TIMEOUT: too slow');
  });
});
