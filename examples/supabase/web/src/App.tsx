import { JobGateProvider, useSlots } from '@jobgate/react';
import type { Session } from '@supabase/supabase-js';
import { useEffect, useMemo, useState } from 'react';
import { CreditsProvider, useBalance } from './credits.tsx';
import { jobgateConfig } from './jobgateConfig.ts';
import { TOOL_PAGES } from './pages/index.ts';
import { SignIn } from './SignIn.tsx';
import { supabase } from './supabase.ts';

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  useEffect(() => {
    void supabase.auth.getSession().then(({ data }) => setSession(data.session));
    const { data } = supabase.auth.onAuthStateChange((_event, next) => setSession(next));
    return () => data.subscription.unsubscribe();
  }, []);
  if (!session) return <SignIn />;
  // Everything of one user under a key: nothing of one session reaches the next.
  return (
    <CreditsProvider key={session.user.id} supabase={supabase} userId={session.user.id}>
      <SignedIn userId={session.user.id} email={session.user.email ?? ''} />
    </CreditsProvider>
  );
}

const toolFromHash = () =>
  TOOL_PAGES.find((t) => `#${t.id}` === location.hash)?.id ?? TOOL_PAGES[0].id;

function SignedIn({ userId, email }: { userId: string; email: string }) {
  const config = useMemo(() => jobgateConfig(supabase, userId), [userId]);
  const [tool, setTool] = useState<string>(toolFromHash);
  const { Page } = TOOL_PAGES.find((p) => p.id === tool) ?? TOOL_PAGES[0];
  const choose = (id: string) => {
    history.replaceState(null, '', `#${id}`);
    setTool(id);
  };
  return (
    <div className="app">
      <header>
        <h1>jobgate on Supabase</h1>
        <div className="users">
          Signed in as <strong data-testid="user">{email}</strong> · <Balance />{' '}
          <button type="button" onClick={() => void supabase.auth.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <JobGateProvider config={config}>
        <main>
          <div className="tools">
            <nav>
              {TOOL_PAGES.map((p) => (
                <button
                  key={p.id}
                  type="button"
                  className={p.id === tool ? 'tab current' : 'tab'}
                  onClick={() => choose(p.id)}
                >
                  {p.name}
                </button>
              ))}
            </nav>
            <Page key={tool} />
          </div>
          <aside>
            <Slots />
          </aside>
        </main>
      </JobGateProvider>
    </div>
  );
}

/** The user's credits, from jobgate's ledger. */
function Balance() {
  const { balance, error } = useBalance();
  return (
    <span data-testid="credits" title={error ? error.message : undefined}>
      {balance ? `${balance.total} credits` : error ? 'credits unavailable' : '… credits'}
    </span>
  );
}

/** The global cap at a glance, through the function's `GET /slots`. */
function Slots() {
  const { data } = useSlots();
  return (
    <section className="panel">
      <h3>Slots</h3>
      <p data-testid="slots">
        {data ? `${data.running}/${data.cap} running, ${data.queued} waiting` : '…'}
      </p>
      <p className="hint">
        Jobs of every user share the provider account's slots; past them a job waits its turn.
      </p>
    </section>
  );
}
