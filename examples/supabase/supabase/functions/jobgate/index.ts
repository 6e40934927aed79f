// The jobgate API as one Supabase Edge Function: `supabase functions deploy jobgate`.
import { supabaseFunction } from '@jobgate/supabase/function';
import { tools } from '../_shared/tools.ts';

const { handler } = supabaseFunction({ tools, env: (name) => Deno.env.get(name) });

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
