import { JobGateProvider } from '@jobgate/react';
import type { Session } from '@supabase/supabase-js';
import { useEffect, useMemo, useState } from 'react';
import { jobgateConfig } from './jobgateConfig.ts';
import { supabase } from './supabase.ts';
import { ToolPage, type ToolPageProps } from './ToolPage.tsx';

const image = 'image/png,image/jpeg,image/webp';
/** The four tools' pages: their files and fixed inputs (the server validates and prices). */
const PAGES: ReadonlyArray<ToolPageProps> = [
  {
    tool: 'upscaler',
    name: 'Upscaler Arcano',
    files: [{ field: 'image', label: 'Photo', accept: image }],
    input: { category: 'pessoas', version: 'standard', resolution: 2048 },
  },
  {
    tool: 'pose-changer',
    name: 'Pose Changer',
    files: [
      { field: 'person', label: 'Person', accept: image },
      { field: 'reference', label: 'Pose', accept: image },
    ],
  },
  {
    tool: 'veste-ai',
    name: 'Veste AI',
    files: [
      { field: 'person', label: 'Person', accept: image },
      { field: 'clothing', label: 'Clothing', accept: image },
    ],
  },
  {
    tool: 'video-upscaler',
    name: 'Video Upscaler',
    files: [{ field: 'video', label: 'Video', accept: 'video/mp4,video/webm' }],
  },
];

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  useEffect(() => {
    void supabase.auth.getSession().then(({ data }) => setSession(data.session));
    const { data } = supabase.auth.onAuthStateChange((_event, next) => setSession(next));
    return () => data.subscription.unsubscribe();
  }, []);
  if (!session) return <SignIn />;
  return <SignedIn userId={session.user.id} email={session.user.email ?? ''} />;
}

function SignIn() {
  const [email, setEmail] = useState('alice@example.com');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void supabase.auth
          .signInWithPassword({ email, password })
          .then(({ error: e }) => setError(e ? e.message : null));
      }}
    >
      <h1>Sign in</h1>
      <input aria-label="E-mail" value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
      <input
        aria-label="Password"
        type="password"
        value={password}
        onChange={(e) => setPassword(e.currentTarget.value)}
      />
      <button type="submit" data-testid="sign-in">
        Sign in
      </button>
      <button
        type="button"
        onClick={() =>
          void supabase.auth
            .signUp({ email, password })
            .then(({ error: e }) => setError(e ? e.message : null))
        }
      >
        Sign up
      </button>
      {error ? <p role="alert">{error}</p> : null}
    </form>
  );
}

function SignedIn({ userId, email }: { userId: string; email: string }) {
  const config = useMemo(() => jobgateConfig(supabase, userId), [userId]);
  const [tool, setTool] = useState(PAGES[0]!.tool);
  const [credits, setCredits] = useState<number | null>(null);
  useEffect(() => {
    // The app's own table, read under RLS: a user sees only their row.
    void supabase
      .from('credits')
      .select('balance')
      .then(({ data }) => setCredits(data?.[0]?.balance ?? 0));
  }, []);
  const page = PAGES.find((p) => p.tool === tool)!;
  return (
    <div>
      <header>
        Signed in as <strong data-testid="user">{email}</strong> ·{' '}
        <span data-testid="credits">{credits ?? '…'} credits</span>{' '}
        <button type="button" onClick={() => void supabase.auth.signOut()}>
          Sign out
        </button>
      </header>
      <nav>
        {PAGES.map((p) => (
          <button key={p.tool} type="button" onClick={() => setTool(p.tool)}>
            {p.name}
          </button>
        ))}
      </nav>
      {/* A provider per user: nothing of one session reaches the next. */}
      <JobGateProvider key={userId} config={config}>
        <ToolPage key={page.tool} {...page} />
      </JobGateProvider>
    </div>
  );
}
