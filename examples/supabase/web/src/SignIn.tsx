import { useState } from 'react';
import { supabase } from './supabase.ts';

/**
 * Supabase Auth's e-mail sign-in and sign-up. A new account starts with the sign-up grant
 * (the trigger in supabase/migrations/20260201000100_app.sql).
 */
export function SignIn() {
  const [email, setEmail] = useState('alice@example.com');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const answer = ({ error: e }: { error: { message: string } | null }) =>
    setError(e ? e.message : null);
  return (
    <form
      className="sign-in"
      onSubmit={(event) => {
        event.preventDefault();
        void supabase.auth.signInWithPassword({ email, password }).then(answer);
      }}
    >
      <h1>jobgate on Supabase</h1>
      <label className="field">
        <span>E-mail</span>
        <input
          aria-label="E-mail"
          value={email}
          onChange={(e) => setEmail(e.currentTarget.value)}
        />
      </label>
      <label className="field">
        <span>Password</span>
        <input
          aria-label="Password"
          type="password"
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
        />
      </label>
      <div className="actions">
        <button type="submit" className="primary" data-testid="sign-in">
          Sign in
        </button>
        <button
          type="button"
          data-testid="sign-up"
          onClick={() => void supabase.auth.signUp({ email, password }).then(answer)}
        >
          Sign up
        </button>
      </div>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}
