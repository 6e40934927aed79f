import { useEffect, useState } from 'react';
import { MAX_SLOW_START_MS } from '../server/demoSettings.js';

interface Settings {
  busy: number;
  fail: number;
  lostWebhook: number;
  slowStartMs: number;
}

/**
 * The chaos controls: they change the simulated RunningHub only (busy answers, failed
 * tasks, lost callbacks, slow starts, a start that dies, its 429 rate limit), so a person
 * can watch jobgate heal and the queue stay honest.
 */
export function ChaosPanel({ token }: { token: string }) {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [message, setMessage] = useState('');
  const send = async (body: object) => {
    const response = await fetch('/chaos', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as { settings?: Settings; error?: { message: string } };
    if (json.settings) setSettings(json.settings);
    setMessage(json.error?.message ?? '');
  };
  useEffect(() => {
    fetch('/chaos', { headers: { authorization: `Bearer ${token}` } })
      .then((r) => r.json())
      .then((json: { settings?: Settings }) => setSettings(json.settings ?? null))
      .catch(() => setMessage('the chaos controls are unavailable'));
  }, [token]);
  if (!settings) return null;
  const rate = (key: 'busy' | 'fail' | 'lostWebhook', label: string) => (
    <label className="chaos-rate">
      <span>
        {label}: {Math.round(settings[key] * 100)}%
      </span>
      <input
        type="range"
        data-testid={`chaos-${key}`}
        min={0}
        max={1}
        step={0.05}
        value={settings[key]}
        onChange={(e) => void send({ settings: { [key]: Number(e.currentTarget.value) } })}
      />
    </label>
  );
  return (
    <section className="panel" data-testid="chaos-panel">
      <h3>Chaos (the simulated RunningHub only)</h3>
      {rate('busy', 'Provider busy (421)')}
      {rate('fail', 'Task failures')}
      {rate('lostWebhook', 'Lost webhooks')}
      <label className="chaos-rate">
        <span>Slow starts: {(settings.slowStartMs / 1000).toFixed(1)} s</span>
        <input
          type="range"
          data-testid="chaos-slow"
          min={0}
          max={MAX_SLOW_START_MS}
          step={500}
          value={settings.slowStartMs}
          onChange={(e) => void send({ settings: { slowStartMs: Number(e.currentTarget.value) } })}
        />
      </label>
      <div className="actions">
        <button
          type="button"
          data-testid="chaos-kill"
          onClick={() =>
            void send({ action: 'kill-start' }).then(() =>
              setMessage('the next start dies mid-way'),
            )
          }
        >
          Kill the next start
        </button>
        <button
          type="button"
          data-testid="chaos-429"
          onClick={() =>
            void send({ action: 'rate-limit' }).then(() =>
              setMessage('the next 3 starts get HTTP 429'),
            )
          }
        >
          429 on the next 3 starts
        </button>
      </div>
      {message ? <p className="notice">{message}</p> : null}
    </section>
  );
}
