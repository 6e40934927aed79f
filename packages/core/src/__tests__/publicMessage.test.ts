import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode, JobGateError, toJobGateError } from '../domain/errors.js';
import { PUBLIC_MESSAGES, publicMessageOf } from '../domain/publicMessage.js';

describe('what a user may read of an error', () => {
  it('never carries a database text, a host or a provider answer into rows or answers', () => {
    const leaks = [
      toJobGateError(new Error('connect ECONNREFUSED 10.0.0.7:5432'), 'STORE_UNAVAILABLE'),
      toJobGateError(new Error('schema "ledger_typo" does not exist'), 'STORAGE_ERROR'),
      new JobGateError(
        'PROVIDER_CONFIG',
        'RunningHub start answered 801 APIKEY_UNSUPPORTED_FREE_USER',
      ),
      new JobGateError('INTERNAL', 'function public.jobgate_get(p_id => text) does not exist'),
      toJobGateError(
        new Error('insufficient credits CONTEXT: PL/pgSQL line 3'),
        'INSUFFICIENT_CREDITS',
      ),
    ];
    for (const error of leaks) {
      const shown = [error.toJobMessage(), JSON.stringify(error.toJSON())].join(' ');
      expect(shown).not.toMatch(
        /ECONNREFUSED|10\.0\.0\.7|ledger_typo|801|APIKEY|jobgate_get|PL\/pgSQL/,
      );
      expect(error.toJobMessage()).toBe(`${error.code}: ${PUBLIC_MESSAGES[error.code]}`);
      // The operator's text stays on the error, for the logs.
      expect(error.message).not.toBe(publicMessageOf(error));
    }
  });

  it('keeps the messages jobgate writes for users, and an adapter’s own public message', () => {
    expect(new JobGateError('ACTIVE_JOB_EXISTS', 'finish your upscale first').toJobMessage()).toBe(
      'ACTIVE_JOB_EXISTS: finish your upscale first',
    );
    const refused = new JobGateError('PROVIDER_REJECTED', 'RunningHub 433 node 26 LoadImage', {
      publicMessage: 'the input image was refused',
    });
    expect(refused.toJSON().error.message).toBe('the input image was refused');
    expect(refused.withJob('j').toJSON().error.message).toBe('the input image was refused');
  });

  it('has a plain sentence for every code whose own message is for operators', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const error = new JobGateError(code, 'internal detail 10.1.2.3');
      const text = publicMessageOf(error);
      expect(text.length, code).toBeGreaterThan(0);
      if (PUBLIC_MESSAGES[code]) expect(text).toBe(PUBLIC_MESSAGES[code]);
      else expect(text).toBe('internal detail 10.1.2.3');
    }
  });
});
