// The jobgate API as one Supabase Edge Function: `supabase functions deploy jobgate`.
import { functionProviderName, supabaseFunction } from '@jobgate/supabase/function';
import { tools } from '../_shared/tools.ts';

const env = (name: string) => Deno.env.get(name);
// JOBGATE_PROVIDER=simulated (local runs, checking a first deploy) names the in-process
// simulation, a test double in an entry of its own: loaded only then, never otherwise.
const provider =
  functionProviderName(env) === 'simulated'
    ? (await import('@jobgate/supabase/function-simulated')).simulatedProviderFromEnv(env)
    : undefined;
const { handler } = supabaseFunction({ tools, env, provider });

// PORT is set by local runs without the Supabase CLI (npm run dev, the tests); the edge
// runtime chooses its own port.
const port = Deno.env.get('PORT');
Deno.serve(
  port
    ? {
        port: Number(port),
        hostname: '127.0.0.1',
        onListen: ({ port: bound }) => console.log(`jobgate listening on ${bound}`),
      }
    : {},
  handler,
);
