import { JobGateError } from '@jobgate/core';
import { tools } from '@jobgate/example-tools';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  simulatedProviderFromEnv,
  supabaseFunction as supabaseFunctionByName,
} from '../functionSimulated.js';
import { supabaseFunction } from '../supabaseFunction.js';

const DEPLOYED: Record<string, string | undefined> = {
  SUPABASE_URL: 'http://127.0.0.1:9',
  SUPABASE_SERVICE_ROLE_KEY: 'service-role-key',
  JOBGATE_WEBHOOK_SECRET: 'fn-env-webhook-secret-0123456789',
};
const envOf = (vars: Record<string, string | undefined>) => (name: string) => vars[name];

function startError(start: () => { close(): void }): JobGateError | null {
  try {
    start().close();
    return null;
  } catch (error) {
    if (!(error instanceof JobGateError)) throw error;
    return error;
  }
}

describe('the simulation is a separate entry, loaded by name', () => {
  beforeAll(async () => {
    globalThis.WebSocket ??= (await import('ws')).WebSocket as unknown as typeof WebSocket;
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('@jobgate/supabase/function never simulates: JOBGATE_PROVIDER=simulated without the simulation passed in is refused, naming the variable', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const env = envOf({ ...DEPLOYED, JOBGATE_PROVIDER: 'simulated' });
    const error = startError(() => supabaseFunction({ tools, env }));
    expect(error).toMatchObject({ code: 'INTERNAL', details: { variable: 'JOBGATE_PROVIDER' } });
    expect(error?.message).toMatch(
      /^set JOBGATE_PROVIDER: .*@jobgate\/supabase\/function-simulated/,
    );
    expect(warn).not.toHaveBeenCalled();
  });

  it('the simulation passed in as provider runs, with JOBGATE_SIMULATED_RUN_MS checked', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const env = envOf({ ...DEPLOYED, JOBGATE_PROVIDER: 'simulated' });
    const fn = supabaseFunction({ tools, env, provider: simulatedProviderFromEnv(env) });
    expect(fn.runner.provider.id).toBe('simulated');
    fn.close();
    const wrong = envOf({ ...DEPLOYED, JOBGATE_SIMULATED_RUN_MS: 'long' });
    expect(() => simulatedProviderFromEnv(wrong)).toThrow(/^set JOBGATE_SIMULATED_RUN_MS: /);
  });

  it('the by-name factory is the deployed one unless the variable names the simulation', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const missing = startError(() => supabaseFunctionByName({ tools, env: envOf(DEPLOYED) }));
    expect(missing?.message).toMatch(/^set RUNNINGHUB_API_KEY: /);
    const fn = supabaseFunctionByName({
      tools,
      env: envOf({ ...DEPLOYED, RUNNINGHUB_API_KEY: 'runninghub-key' }),
    });
    expect(fn.runner.provider.id).toBe('runninghub');
    fn.close();
    expect(warn).not.toHaveBeenCalled();
  });
});
