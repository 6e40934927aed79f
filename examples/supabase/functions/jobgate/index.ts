// Supabase Edge Function entry: `supabase functions deploy jobgate`.
import { createApp } from './app.ts';

const app = createApp((name) => Deno.env.get(name));
const port = Deno.env.get('PORT');

if (port) {
  // Local runs and tests: listen on the given port and say so on stdout.
  Deno.serve(
    {
      port: Number(port),
      hostname: '127.0.0.1',
      onListen: ({ port: bound }) => console.log(`jobgate listening on ${bound}`),
    },
    app.handler,
  );
} else {
  Deno.serve(app.handler);
}
