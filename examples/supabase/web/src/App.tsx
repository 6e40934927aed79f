import { JobGateProvider, useSlots } from '@jobgate/react';
import type { Session } from '@supabase/supabase-js';
import { useEffect, useMemo, useState } from 'react';
// The tool pages of the web app (examples/web), on @jobgate/react alone: one set of pages, two
// transports. Copying the starter out of this repository? Copy examples/web/src/pages too.
import { TOOL_PAGES } from '../../../web/src/pages/index.ts';
import { jobgateConfig } from './jobgateConfig.ts';
import { supabase } from './supabase.ts';

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
  const [tool, setTool] = useState<string>(TOOL_PAGES[0].id);
  const [credits, setCredits] = useState<number | null>(null);
  useEffect(() => {
    // The app's own table, read under RLS: a user sees only their row.
    void supabase
      .from('credits')
      .select('balance')
      .then(({ data }) => setCredits(data?.[0]?.balance ?? 0));
  }, []);
  const { Page } = TOOL_PAGES.find((p) => p.id === tool) ?? TOOL_PAGES[0];
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
        {TOOL_PAGES.map((p) => (
          <button key={p.id} type="button" onClick={() => setTool(p.id)}>
            {p.name}
          </button>
        ))}
      </nav>
      {/* A provider per user: nothing of one session reaches the next. */}
      <JobGateProvider key={userId} config={config}>
        <Slots />
        <Page key={tool} />
      </JobGateProvider>
    </div>
  );
}

/** The global cap at a glance, through the function's `GET /slots`. */
function Slots() {
  const { data } = useSlots();
  return (
    <p data-testid="slots">
      {data ? `${data.running}/${data.cap} running, ${data.queued} waiting` : '…'}
    </p>
  );
}
