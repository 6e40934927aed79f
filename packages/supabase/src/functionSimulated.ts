// A test double's entry (`@jobgate/supabase/function-simulated`): the simulated provider for the
// edge function, apart from `./function` so a deployed function loads it only when asked.
import type { Provider } from '@jobgate/core';
import { SimulatedProvider } from '@jobgate/core/testing';
import { type Env, envNumber, functionProviderName } from './functionEnv.js';
import {
  supabaseFunction as deployedSupabaseFunction,
  type SupabaseFunction,
  type SupabaseFunctionOptions,
} from './supabaseFunction.js';

export type { Env } from './functionEnv.js';
export type { SupabaseFunction, SupabaseFunctionOptions } from './supabaseFunction.js';

/**
 * The in-process simulation `JOBGATE_PROVIDER=simulated` names, for the `provider` option of
 * `supabaseFunction`: a `SimulatedProvider` of `@jobgate/core/testing` whose tasks run
 * `JOBGATE_SIMULATED_RUN_MS` (default 60 000) and end with its callbacks
 * (`/webhooks/simulated/…`). A test double: for local runs, tests and checking a deployment's
 * wiring, never for real work (each function instance has its own simulation). It warns at
 * start, so a log shows it.
 */
export function simulatedProviderFromEnv(env: Env): Provider {
  const runMs = envNumber(env, 'JOBGATE_SIMULATED_RUN_MS', 60_000);
  console.warn(
    'jobgate: JOBGATE_PROVIDER=simulated: jobs run on an in-process simulation, not on a GPU provider (local runs and tests only)',
  );
  return new SimulatedProvider({ seed: 1, startLatencyMs: [0, 0], durationMs: [runMs, runMs] });
}

/**
 * `supabaseFunction` of `@jobgate/supabase/function` with the by-name switch for Node callers
 * (tests, local scripts): when the environment says `JOBGATE_PROVIDER=simulated` and no
 * `provider` is given, it runs on {@link simulatedProviderFromEnv}; otherwise it is that
 * function unchanged (a missing `RUNNINGHUB_API_KEY` still throws naming it). An edge function
 * that may be deployed imports `@jobgate/supabase/function` and loads this entry only when the
 * variable asks for it, as the starter's `supabase/functions/jobgate/index.ts` does.
 */
export function supabaseFunction(options: SupabaseFunctionOptions): SupabaseFunction {
  if (options.provider === undefined && functionProviderName(options.env) === 'simulated') {
    return deployedSupabaseFunction({
      ...options,
      provider: simulatedProviderFromEnv(options.env),
    });
  }
  return deployedSupabaseFunction(options);
}
