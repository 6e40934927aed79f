// The edge function factory: production only. The simulation `JOBGATE_PROVIDER=simulated`
// names lives in `./function-simulated` (src/functionSimulated.ts), loaded by the caller.
export { type Env, functionProviderName } from './functionEnv.js';
export {
  type SupabaseFunction,
  type SupabaseFunctionOptions,
  supabaseFunction,
} from './supabaseFunction.js';
