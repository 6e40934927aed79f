import { defaultClientConditions, defineConfig } from 'vite';

// `npm run dev` starts this app with VITE_SUPABASE_URL and VITE_SUPABASE_ANON_KEY set; against
// a Supabase project put them in web/.env.local and run `npx vite web` (`npx vite build web`
// for the static files, in web/dist).
export default defineConfig({
  // Inside the jobgate repository the packages resolve to their TypeScript sources.
  resolve: { conditions: ['@jobgate/source', ...defaultClientConditions] },
  server: { host: '127.0.0.1' },
});
