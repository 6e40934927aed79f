import { fetchTransport, type JobClientOptions, sseUpdates } from '@jobgate/core/client';
import { JobGateProvider } from '@jobgate/react';
import { useEffect, useMemo, useState } from 'react';
import { toolPages } from '../pages/index.js';
import { ChaosPanel } from './ChaosPanel.js';
import { currentUser, devToken, OPERATOR, SIGN_IN, signIn } from './devSession.js';
import { localUploader } from './localUploader.js';
import { QueuePanel } from './QueuePanel.js';
import { useToolList } from './useToolList.js';

const api = `${location.origin}/api`;

/** The client config of a signed-in user: fetch transport, SSE updates, the local uploader. */
function userConfig(user: string): JobClientOptions {
  const getToken = () => devToken(user);
  return {
    transport: fetchTransport({ baseUrl: api, getToken }),
    // Two quick retries, then polling takes over (a proxy that cuts the stream, a cut cable).
    updates: sseUpdates({ baseUrl: api, getToken, maxAttempts: 2, retryMs: 500 }),
    uploader: localUploader({ baseUrl: location.origin, getToken }),
    userId: user,
    poll: { intervalMs: 1_000, maxIntervalMs: 5_000 },
  };
}

const toolFromHash = () => location.hash.slice(1);

export function App() {
  const [user, setUser] = useState(currentUser);
  const [tool, setTool] = useState(toolFromHash);
  useEffect(() => {
    if (user) signIn(user);
    const onHash = () => setTool(toolFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [user]);
  const config = useMemo(() => (user ? userConfig(user) : null), [user]);
  const forms = useToolList();
  const pages = useMemo(() => toolPages(forms ?? []), [forms]);
  const page = pages.find((t) => t.id === tool) ?? pages[0];

  return (
    <div className="app">
      <header>
        <h1>
          jobgate · {forms ? `${forms.length} ${forms.length === 1 ? 'tool' : 'tools'}` : 'tools'}
        </h1>
        <div className="users" data-testid="users">
          {user ? (
            <>
              Signed in as <strong data-testid="user">{user}</strong>{' '}
              <button
                type="button"
                onClick={() => {
                  signIn(null);
                  setUser(null);
                }}
              >
                Sign out
              </button>
            </>
          ) : (
            'Sign in as a demo user:'
          )}
          {user
            ? null
            : SIGN_IN.map((u) => (
                <button
                  key={u}
                  type="button"
                  data-testid={`sign-in-${u}`}
                  onClick={() => setUser(u)}
                >
                  {u}
                </button>
              ))}
        </div>
      </header>
      <main>
        <div className="tools">
          <nav>
            {pages.map((t) => (
              <a key={t.id} href={`#${t.id}`} className={t === page ? 'current' : ''}>
                {t.name}
              </a>
            ))}
          </nav>
          {config && user && page ? (
            <JobGateProvider key={user} config={config}>
              <page.Page key={page.id} tool={page.tool} />
            </JobGateProvider>
          ) : (
            <p className="hint">
              Pick a user above. Sign in as {OPERATOR}, the operator, in a second window to watch
              the running jobs, the queue and the chaos controls.
            </p>
          )}
        </div>
        {config && user === OPERATOR ? (
          <aside>
            <JobGateProvider config={config}>
              <QueuePanel />
            </JobGateProvider>
            <ChaosPanel token={devToken(OPERATOR)} />
          </aside>
        ) : null}
      </main>
    </div>
  );
}
