// Sign-in with an admin token. The token is checked against GET /whoami and kept in sessionStorage.
import { type FormEvent, useState } from 'react';
import { api, setToken, type Whoami } from '../api.js';
import { ErrorBox } from '../components/bits.js';

export function SignIn({ onSignedIn }: { onSignedIn: (me: Whoami) => void }) {
  const [token, setValue] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const value = token.trim();
    try {
      // The session route (enforce) audits the login when present; whoami is the fallback.
      const me = await api<Whoami>('/session', { method: 'POST', body: {}, token: value }).catch(
        async (e) => {
          if ((e as { status?: number }).status === 404) return api<Whoami>('/whoami', { token: value });
          throw e;
        },
      );
      const who = me.role ? me : await api<Whoami>('/whoami', { token: value });
      setToken(value);
      onSignedIn(who);
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <form onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Warden</h1>
        <p className="muted">Trust &amp; safety dashboard. Sign in with an admin token.</p>
        <label htmlFor="token">Admin token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(e) => setValue(e.target.value)}
          required
          placeholder="wdn-admin-…"
        />
        <button type="submit" className="primary" disabled={busy || token.trim() === ''}>
          Sign in
        </button>
        <ErrorBox error={error} />
        <p className="muted small">
          The token stays in this tab (sessionStorage) and is sent only in the Authorization header.
        </p>
      </form>
    </main>
  );
}
