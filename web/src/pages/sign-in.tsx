// Sign-in with an admin token: POST /session checks it (and audits the login); it is then kept in
// sessionStorage for this tab.
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
      // POST /session checks the token and writes the login to the audit log.
      const session = await api<{ role: Whoami['role']; token_id: string; partner: Whoami['partner'] }>(
        '/session',
        {
          method: 'POST',
          token: value,
        },
      );
      const who: Whoami = { id: session.token_id, role: session.role, partner: session.partner };
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
